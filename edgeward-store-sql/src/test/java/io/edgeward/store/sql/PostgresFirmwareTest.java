package io.edgeward.store.sql;

import org.junit.jupiter.api.AfterEach;

class PostgresFirmwareTest extends FirmwareContract {

    private final PostgresDatabase database = new PostgresDatabase();

    @Override
    SqlStore openStore() throws Exception {
        return database.open();
    }

    /** Closes the store and drops the test's database. */
    @Override
    @AfterEach
    void close() throws Exception {
        database.close();
    }
}
