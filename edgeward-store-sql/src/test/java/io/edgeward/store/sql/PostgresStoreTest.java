package io.edgeward.store.sql;

import org.junit.jupiter.api.AfterEach;

/** The device and telemetry contract on PostgreSQL; see {@link PostgresDatabase} for the server it needs. */
class PostgresStoreTest extends StoreContractTest {

    private final PostgresDatabase database = new PostgresDatabase();

    @Override
    SqlStore openStore() throws Exception {
        return database.open();
    }

    @AfterEach
    void dropDatabase() throws Exception {
        database.close();
        store = null;
    }
}
