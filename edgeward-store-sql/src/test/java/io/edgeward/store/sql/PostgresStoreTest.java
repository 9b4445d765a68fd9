package io.edgeward.store.sql;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * Runs the contract against a real PostgreSQL server named by {@code EDGEWARD_TEST_POSTGRES_URL}
 * (a JDBC URL with user and password, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=edgeward&password=edgeward}).
 * Each test gets a database of its own, dropped afterwards. {@code .ci/run} starts a server and sets the variable.
 */
class PostgresStoreTest extends StoreContractTest {

    static final String ADMIN_URL = System.getenv("EDGEWARD_TEST_POSTGRES_URL");
    private String database;

    @Override
    SqlStore openStore() throws Exception {
        assumeTrue(ADMIN_URL != null && !ADMIN_URL.isBlank(),
                "PostgreSQL contract tests skipped: set EDGEWARD_TEST_POSTGRES_URL (.ci/run starts a server and sets it)");
        database = "edgeward_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            admin.createStatement().execute("CREATE DATABASE " + database);
        }
        return SqlStore.open(new StoreSettings(withDatabase(ADMIN_URL, database), "", "", 4));
    }

    @AfterEach
    void dropDatabase() throws Exception {
        if (database != null) {
            store.close();
            store = null;
            try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    static String withDatabase(String url, String database) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
    }
}
