package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {

    @TempDir
    Path dir;

    @Override
    SqlStore openStore() {
        return SqlStore.open(StoreSettings.embedded(dir));
    }

    @Test
    void reopen_keepsEverything_andMigrationIsIdempotent() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        store.telemetry().append(List.of(new Point(DEV, "t", T0, Value.of(1), null)), Map.of(DEV, T0));
        store.close();

        store = openStore();
        assertThat(store.dialect()).isEqualTo(Dialect.SQLITE);
        assertThat(store.devices().find(DEV)).isPresent();
        assertThat(store.telemetry().raw(DEV, "t", new TimeRange(T0, T0 + 1), 10)).hasSize(1);
    }

    @Test
    void journalIsWal_andSyncIsFull() throws Exception {
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edgeward.db"));
                var statement = connection.createStatement()) {
            // journal_mode is persistent in the file; synchronous is per connection, so check through the pool.
            assertThat(statement.executeQuery("PRAGMA journal_mode").getString(1)).isEqualTo("wal");
        }
        int synchronous = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one());
        assertThat(synchronous).as("2 = FULL: fsync on every commit").isEqualTo(2);
        int autocheckpoint = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery("PRAGMA wal_autocheckpoint").mapTo(Integer.class).one());
        assertThat(autocheckpoint).as("checkpoints run off the commit path").isZero();
    }

    @Test
    void walIsCheckpointedInTheBackground_intoTheDatabaseFile() throws Exception {
        java.nio.file.Path db = dir.resolve("edgeward.db");
        long before = java.nio.file.Files.size(db);
        List<Point> points = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            points.add(new Point(DEV, "t", T0 + i, Value.of(i), null));
        }
        store.telemetry().append(points, Map.of());
        // Auto-checkpoint is off, so only the store's own checkpointer moves pages into the file.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> java.nio.file.Files.size(db) > before + 100_000);
    }
}
