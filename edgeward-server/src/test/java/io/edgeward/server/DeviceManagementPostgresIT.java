package io.edgeward.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/**
 * Device management end to end with PostgreSQL as the node's store ({@code store.url}), on the
 * server named by {@code EDGEWARD_TEST_POSTGRES_URL}; skipped, saying so, when it is not set.
 */
class DeviceManagementPostgresIT extends DeviceManagementScenarios {

    static final String ADMIN_URL = System.getenv("EDGEWARD_TEST_POSTGRES_URL");
    private String database;

    @Override
    Map<String, String> storeSettings() throws Exception {
        assumeTrue(
                ADMIN_URL != null && !ADMIN_URL.isBlank(),
                "PostgreSQL end-to-end tests skipped: set EDGEWARD_TEST_POSTGRES_URL (.ci/run starts a server and sets it)");
        database =
                "edgeward_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            admin.createStatement().execute("CREATE DATABASE " + database);
        }
        int query = ADMIN_URL.indexOf('?');
        String base = ADMIN_URL.substring(0, query < 0 ? ADMIN_URL.length() : query);
        String params = query < 0 ? "" : ADMIN_URL.substring(query);
        return Map.of("store.url", base.substring(0, base.lastIndexOf('/') + 1) + database + params);
    }

    @AfterAll
    void dropDatabase() throws Exception {
        stop();
        node = null;
        simulator = null;
        if (database != null) {
            try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }
}
