package io.edgeward.store.sql;

import org.junit.jupiter.api.AfterEach;

class PostgresRolloutTest extends RolloutContract {

    private final PostgresDatabase database = new PostgresDatabase();

    @Override
    SqlStore openStore() throws Exception {
        return database.open();
    }

    @Override
    SqlStore reopenStore() {
        return database.reopen();
    }

    @AfterEach
    void dropDatabase() throws Exception {
        stop();
        parts = null;
        database.close();
        store = null;
    }
}
