package io.edgeward.store.sql;

import org.junit.jupiter.api.AfterEach;

class PostgresRollupTest extends RollupContract {

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
