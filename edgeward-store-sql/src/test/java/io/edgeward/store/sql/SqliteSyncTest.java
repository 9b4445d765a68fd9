package io.edgeward.store.sql;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteSyncTest extends SyncContract {

    @TempDir
    Path dir;

    @Override
    SqlStore openStore() {
        return Stores.started(StoreSettings.embedded(dir));
    }

    @Override
    SqlStore reopenStore() {
        store.close();
        return openStore();
    }
}
