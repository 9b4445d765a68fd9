package io.edgeward.store.sql;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.UUID;

/**
 * A database of its own on the real PostgreSQL server named by {@code EDGEWARD_TEST_POSTGRES_URL}
 * (a JDBC URL with user and password, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=edgeward&password=edgeward}),
 * dropped on close. Tests skip, saying why, when the variable is not set; {@code .ci/run} starts a
 * server and sets it.
 */
final class PostgresDatabase implements AutoCloseable {

    static final String ADMIN_URL = System.getenv("EDGEWARD_TEST_POSTGRES_URL");
    private String name;
    private SqlStore store;

    SqlStore open() throws Exception {
        assumeTrue(
                ADMIN_URL != null && !ADMIN_URL.isBlank(),
                "PostgreSQL contract tests skipped: set EDGEWARD_TEST_POSTGRES_URL (.ci/run starts a server and sets it)");
        name = "edgeward_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            admin.createStatement().execute("CREATE DATABASE " + name);
        }
        store = Stores.started(new StoreSettings(withDatabase(ADMIN_URL, name), "", "", 4));
        return store;
    }

    /** Closes the store and opens it again on the same database, as a restarted node does. */
    SqlStore reopen() {
        store.close();
        store = Stores.started(new StoreSettings(withDatabase(ADMIN_URL, name), "", "", 4));
        return store;
    }

    @Override
    public void close() throws Exception {
        if (name != null) {
            store.close();
            drop(name);
            name = null;
        }
    }

    /**
     * Drops the database, ending connections a killed node left. FORCE also tries to end an
     * autovacuum worker that happens to be on the database, which only a superuser may; then a
     * plain DROP, which stops autovacuum itself, does it.
     */
    static void drop(String name) throws Exception {
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            try {
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (java.sql.SQLException e) {
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + name);
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
