package io.edgeward.store.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteFirmwareTest extends FirmwareContract {

    @TempDir
    Path dir;

    @Override
    SqlStore openStore() {
        return Stores.started(StoreSettings.embedded(dir));
    }
}
