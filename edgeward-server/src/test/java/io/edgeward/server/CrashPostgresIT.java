package io.edgeward.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link CrashScenarios} with PostgreSQL as the node's store: acknowledged points survive SIGKILL,
 * and the rollups, kept by the maintainer from notes committed with the points, equal the raw
 * points after each restart. On the server named by {@code EDGEWARD_TEST_POSTGRES_URL}; skipped,
 * saying so, when it is not set.
 */
class CrashPostgresIT extends CrashScenarios {

    static final String ADMIN_URL = System.getenv("EDGEWARD_TEST_POSTGRES_URL");
    private String database;

    @Override
    Map<String, String> storeSettings() throws Exception {
        assumeTrue(
                ADMIN_URL != null && !ADMIN_URL.isBlank(),
                "PostgreSQL crash tests skipped: set EDGEWARD_TEST_POSTGRES_URL (.ci/run starts a server and sets it)");
        database = "edgeward_crash_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            admin.createStatement().execute("CREATE DATABASE " + database);
        }
        int query = ADMIN_URL.indexOf('?');
        String base = ADMIN_URL.substring(0, query < 0 ? ADMIN_URL.length() : query);
        String params = query < 0 ? "" : ADMIN_URL.substring(query);
        return Map.of("store.url", base.substring(0, base.lastIndexOf('/') + 1) + database + params);
    }

    @AfterEach
    void dropDatabase() throws Exception {
        killPlatform();
        if (database != null) {
            try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }
}
