package io.edgeward.store.sql;

import org.junit.jupiter.api.AfterEach;

class PostgresSyncTest extends SyncContract {

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
        database.close();
        store = null;
    }
}
