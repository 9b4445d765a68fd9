package io.edgeward.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.UUID;

/**
 * A database of its own for one node under test, on the PostgreSQL server named by
 * {@code EDGEWARD_TEST_POSTGRES_URL}; the test is skipped, saying so, when it is not set.
 */
final class PostgresTestDatabase implements AutoCloseable {

    static final String ADMIN_URL = System.getenv("EDGEWARD_TEST_POSTGRES_URL");

    private final String name;

    /** Creates the database, named {@code prefix} and a random suffix. */
    PostgresTestDatabase(String prefix) throws Exception {
        assumeTrue(
                ADMIN_URL != null && !ADMIN_URL.isBlank(),
                "PostgreSQL end-to-end tests skipped: set EDGEWARD_TEST_POSTGRES_URL (.ci/run starts a server and sets it)");
        name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            admin.createStatement().execute("CREATE DATABASE " + name);
        }
    }

    /** The node's {@code store.url}: the admin URL with this database in place of its own. */
    String url() {
        int query = ADMIN_URL.indexOf('?');
        String base = ADMIN_URL.substring(0, query < 0 ? ADMIN_URL.length() : query);
        String params = query < 0 ? "" : ADMIN_URL.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + name + params;
    }

    /** Drops the database, ending any connection a killed node left. */
    @Override
    public void close() throws Exception {
        try (Connection admin = DriverManager.getConnection(ADMIN_URL)) {
            try {
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (java.sql.SQLException e) {
                // FORCE also tries to end an autovacuum worker on the database, which only a
                // superuser may; a plain DROP stops autovacuum itself.
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + name);
            }
        }
    }
}
