package io.edgeward.server;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link CrashScenarios} with PostgreSQL as the node's store: acknowledged points survive SIGKILL,
 * and the rollups, kept by the maintainer from notes committed with the points, equal the raw
 * points after each restart.
 */
class CrashPostgresIT extends CrashScenarios {

    private PostgresTestDatabase database;

    @Override
    Map<String, String> storeSettings() throws Exception {
        database = new PostgresTestDatabase("edgeward_crash_");
        return Map.of("store.url", database.url());
    }

    @AfterEach
    void dropDatabase() throws Exception {
        killPlatform();
        if (database != null) {
            database.close();
        }
    }
}
