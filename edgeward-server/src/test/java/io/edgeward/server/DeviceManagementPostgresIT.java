package io.edgeward.server;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/** Device management end to end with PostgreSQL as the node's store ({@code store.url}). */
class DeviceManagementPostgresIT extends DeviceManagementScenarios {

    private PostgresTestDatabase database;

    @Override
    Map<String, String> storeSettings() throws Exception {
        database = new PostgresTestDatabase("edgeward_e2e_");
        return Map.of("store.url", database.url());
    }

    @AfterAll
    void dropDatabase() throws Exception {
        stop();
        node = null;
        simulator = null;
        if (database != null) {
            database.close();
        }
    }
}
