package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.retention.RetentionPolicy;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresRetentionTest extends RetentionContract {

    private final PostgresDatabase database = new PostgresDatabase();

    @Override
    SqlStore openStore() throws Exception {
        return database.open();
    }

    @Test
    void diskBudget_isRefusedAtStart_sayingWhy() {
        var retention = retention(settings(
                RetentionPolicy.FOREVER,
                RetentionPolicy.FOREVER,
                RetentionPolicy.FOREVER,
                RetentionPolicy.FOREVER,
                List.of(),
                1L << 30));
        assertThatThrownBy(retention::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store.max-disk")
                .hasMessageContaining("PostgreSQL");
    }

    @AfterEach
    void dropDatabase() throws Exception {
        database.close();
        store = null;
    }
}
