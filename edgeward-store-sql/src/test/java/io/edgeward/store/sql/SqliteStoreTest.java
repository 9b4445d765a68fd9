package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.telemetry.Aggregation;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Tier;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {

    @TempDir
    Path dir;

    @Override
    SqlStore openStore() {
        return Stores.started(StoreSettings.embedded(dir));
    }

    @Test
    void reopen_keepsEverything_andMigrationIsIdempotent() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null)));
        store.close();

        store = openStore();
        assertThat(store.dialect()).isEqualTo(Dialect.SQLITE);
        assertThat(store.devices().find(DEV)).isPresent();
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 10))
                .hasSize(1);
    }

    @Test
    void journalIsWal_andSyncIsFull() throws Exception {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edgeward.db"));
                var statement = connection.createStatement()) {
            // journal_mode is persistent in the file; synchronous is per connection, so check through the pool.
            assertThat(statement.executeQuery("PRAGMA journal_mode").getString(1))
                    .isEqualTo("wal");
        }
        int synchronous = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h ->
                        h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one());
        assertThat(synchronous).as("2 = FULL: fsync on every commit").isEqualTo(2);
        int autocheckpoint = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery("PRAGMA wal_autocheckpoint")
                        .mapTo(Integer.class)
                        .one());
        assertThat(autocheckpoint).as("checkpoints run off the commit path").isZero();
        assertThat(dir.resolve("edgeward-telemetry.db")).exists();
        String seriesJournal = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery("PRAGMA series.journal_mode")
                        .mapTo(String.class)
                        .one());
        int seriesSynchronous = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery("PRAGMA series.synchronous")
                        .mapTo(Integer.class)
                        .one());
        assertThat(seriesJournal).as("the series file is a WAL database too").isEqualTo("wal");
        assertThat(seriesSynchronous)
                .as("the series file is fsync'd on every commit too")
                .isEqualTo(2);
    }

    @Test
    void appendedPoints_leaveTheLog_forTheSeriesFile_inTheBackground() {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            points.add(new Point(DeviceId.of("dev-" + (i % 7)), "m" + (i % 3), T0 + i, Value.of(i), "C"));
        }
        append(points);

        // No query runs here, so only the background merger moves the points.
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> count("SELECT COUNT(*) FROM main.telemetry_log") == 0);
        assertThat(count("SELECT COUNT(*) FROM series.telemetry")).isEqualTo(1_000);
        assertThat(count("SELECT merged_seq FROM series.telemetry_merge")).isGreaterThanOrEqualTo(1_000);
        assertThat(store.telemetryReader().raw(DeviceId.of("dev-3"), "m1", new TimeRange(T0, T0 + 1_000), 1_000))
                .extracting(Point::timestamp)
                .containsExactlyElementsOf(points.stream()
                        .filter(p ->
                                p.device().value().equals("dev-3") && p.metric().equals("m1"))
                        .map(Point::timestamp)
                        .toList());
    }

    @Test
    void whileTelemetryFlows_eachGroupCommitDeletesRowsTheMergerCopied() {
        append(points(0, 1_000));
        // The query merges everything committed so far; right after a commit the merger leaves the log alone.
        assertThat(store.telemetryReader().latest(DEV)).isNotEmpty();
        long watermark = count("SELECT merged_seq FROM series.telemetry_merge");
        assertThat(watermark).isGreaterThanOrEqualTo(1_000);

        append(points(1_000, 500)); // deletes up to twice its own rows

        // The merger trims only after a quiet second, and this append has just ended one: the commit did it.
        assertThat(count("SELECT COUNT(*) FROM main.telemetry_log WHERE seq <= " + watermark))
                .isZero();
        assertThat(count("SELECT COUNT(*) FROM main.telemetry_log")).isEqualTo(500);
    }

    private static List<Point> points(int from, int n) {
        List<Point> points = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            points.add(new Point(i % 2 == 0 ? DEV : DeviceId.of("dev-2"), "m", T0 + i, Value.of(i), null));
        }
        return points;
    }

    @Test
    void logRowsNotYetMerged_whenTheProcessDied_areReadAfterRestart() throws Exception {
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null)));
        store.close();
        // As a group commit that the process acknowledged and then died before the merger ran.
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edgeward.db"));
                var statement = connection.createStatement()) {
            statement.execute("INSERT INTO telemetry_log (device_id, metric, ts, num) VALUES ('dev-1', 't', " + (T0 + 1)
                    + ", 2)");
            statement.execute(
                    "INSERT INTO telemetry_log (device_id, metric, ts, num) VALUES ('dev-1', 't', " + T0 + ", 3)");
        }

        store = openStore();
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 10), 10))
                .as("the later write of a key wins, as with a direct upsert")
                .containsExactly(
                        new Point(DEV, "t", T0, Value.of(3), null), new Point(DEV, "t", T0 + 1, Value.of(2), null));
        assertThat(store.telemetryReader().latest(DEV)).containsExactly(new Point(DEV, "t", T0 + 1, Value.of(2), null));
    }

    @Test
    void logRowsAlreadyCopied_whenTheProcessDied_areNotCopiedAgain() throws Exception {
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null)));
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 1))
                .containsExactly(new Point(DEV, "t", T0, Value.of(1), null));
        long watermark = count("SELECT merged_seq FROM series.telemetry_merge");
        store.close();
        // A row at the watermark is one the merger copied before the process died, ahead of deleting
        // it from the log; here it carries a stale value that must not come back.
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edgeward.db"));
                var statement = connection.createStatement()) {
            statement.execute("INSERT INTO telemetry_log (seq, device_id, metric, ts, num) VALUES (" + watermark
                    + ", 'dev-1', 't', " + T0 + ", 99)");
        }

        store = openStore();
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 10))
                .containsExactly(new Point(DEV, "t", T0, Value.of(1), null));
        assertThat(count("SELECT COUNT(*) FROM main.telemetry_log")).isZero();
    }

    @Test
    void shortDecimals_areStoredAsTheirDigits_andEveryValueReadsBackExactly() {
        // Each value with the storage class it must get: readings with up to five decimals as
        // integers (their digits), anything else that is a number as a REAL.
        List<Value> values = List.of(
                Value.of(21.5),
                Value.of(1013.25),
                Value.of(0.07),
                Value.of(-3.14159),
                Value.of(-40),
                Value.of(12_345),
                Value.of(0.0),
                Value.of(0.1 + 0.2), // 0.30000000000000004: seventeen digits
                Value.of(1e-7),
                Value.of(123_456_789_012.5), // beyond 10^10
                Value.of(Double.MAX_VALUE),
                Value.of(true),
                Value.of(false),
                Value.of("on"));
        List<String> classes = List.of(
                "integer", "integer", "integer", "integer", "integer", "integer", "integer", "real", "real", "real",
                "real", "integer", "integer", "text");
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            points.add(new Point(DEV, "v", T0 + i, values.get(i), null));
        }
        append(points);

        assertThat(store.telemetryReader().raw(DEV, "v", new TimeRange(T0, T0 + values.size()), 100))
                .extracting(Point::value)
                .containsExactlyElementsOf(values);
        List<String> stored = org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery("SELECT typeof(p.v) FROM series.points p JOIN series.series s "
                                + "ON s.id = p.series WHERE s.device_id = :d AND s.metric = 'v' ORDER BY p.ts")
                        .bind("d", DEV.value())
                        .mapTo(String.class)
                        .list());
        assertThat(stored).containsExactlyElementsOf(classes);
        assertThat(store.telemetryReader().buckets(DEV, "v", new TimeRange(T0, T0 + 60_000), Duration.ofMinutes(1)))
                .as("buckets recomputed from the stored points see the same numbers")
                .singleElement()
                .satisfies(minute -> {
                    assertThat(minute.value(Aggregation.MIN)).isEqualTo(Value.of(-40));
                    assertThat(minute.value(Aggregation.MAX)).isEqualTo(Value.of(Double.MAX_VALUE));
                });
    }

    @Test
    void migration_movesTelemetryOfAnOlderSchema_intoTheSeriesFile() throws Exception {
        store.close();
        Path old = Files.createDirectories(dir.resolve("old"));
        String url = "jdbc:sqlite:" + old.resolve("edgeward.db");
        org.flywaydb.core.Flyway.configure()
                .dataSource(url, "", "")
                .locations("classpath:db/migration/sqlite")
                .target("3")
                .load()
                .migrate();
        try (var connection = DriverManager.getConnection(url);
                var statement = connection.createStatement()) {
            statement.execute("INSERT INTO telemetry (device_id, metric, ts, num, unit) VALUES ('dev-1', 't', " + T0
                    + ", 1.5, 'C')");
            statement.execute("INSERT INTO telemetry_latest (device_id, metric, ts, num, unit) VALUES ('dev-1', 't', "
                    + T0 + ", 1.5, 'C')");
        }

        store = Stores.started(StoreSettings.embedded(old));
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 10))
                .containsExactly(new Point(DEV, "t", T0, Value.of(1.5), "C"));
        assertThat(store.telemetryReader().latest(DEV)).containsExactly(new Point(DEV, "t", T0, Value.of(1.5), "C"));
        assertThat(count("SELECT COUNT(*) FROM main.sqlite_master WHERE name IN ('telemetry', 'telemetry_latest')"))
                .as("gone from the main file")
                .isZero();
    }

    @Test
    void seriesFile_fromBeforeItsSchemaHistory_isBaselined_andKeepsItsPoints() throws Exception {
        append(List.of(new Point(DEV, "t", T0, Value.of(7), null)));
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 1))
                .hasSize(1);
        store.close();
        // Files made before the series file had a history of its own: the tables, created by every
        // connection, and no flyway_schema_history.
        Path series = SqlStore.seriesFile(dir.resolve("edgeward.db"));
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + series);
                var statement = connection.createStatement()) {
            statement.execute("DROP TABLE flyway_schema_history");
            for (String tier : List.of("1m", "1h", "1d")) {
                statement.execute("DROP TABLE rollup_" + tier);
            }
            // Points in the table of that time, keyed by device and metric names.
            statement.execute("DROP TRIGGER telemetry_insert");
            statement.execute("CREATE TABLE old_points AS SELECT device_id, metric, ts, num, bool, str FROM telemetry");
            statement.execute("DROP VIEW telemetry");
            statement.execute("DROP TABLE points");
            statement.execute("DROP TABLE series");
            statement.execute(
                    "CREATE TABLE telemetry (device_id TEXT NOT NULL, metric TEXT NOT NULL, ts INTEGER NOT NULL,"
                            + " num REAL, bool INTEGER, str TEXT, unit TEXT, PRIMARY KEY (device_id, metric, ts)) WITHOUT ROWID");
            statement.execute("INSERT INTO telemetry (device_id, metric, ts, num, bool, str)"
                    + " SELECT device_id, metric, ts, num, bool, str FROM old_points");
            statement.execute("DROP TABLE old_points");
        }

        store = openStore();
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 10))
                .containsExactly(new Point(DEV, "t", T0, Value.of(7), null));
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + series);
                var statement = connection.createStatement();
                var versions = statement.executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank")) {
            List<String> applied = new ArrayList<>();
            while (versions.next()) {
                applied.add(versions.getString(1));
            }
            assertThat(applied)
                    .as("baselined below 1, then version 1 applied over the existing tables, then the rollup tiers,"
                            + " then points keyed by series id, then decimal values")
                    .containsExactly("0", "1", "2", "3", "4", "5");
        }
        assertThat(store.telemetryReader().rollups(DEV, "t", Tier.DAY, new TimeRange(0, T0 + Tier.DAY.millis())))
                .as("the stored point backfilled into the tiers")
                .singleElement()
                .satisfies(day -> {
                    assertThat(day.count()).isEqualTo(1);
                    assertThat(day.value(Aggregation.MAX)).isEqualTo(Value.of(7));
                });
    }

    private long count(String sql) {
        return org.jdbi.v3.core.Jdbi.create(() -> store.borrowConnection())
                .withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void walIsCheckpointedInTheBackground_intoTheDatabaseFile() throws Exception {
        Path db = dir.resolve("edgeward.db");
        long before = Files.size(db);
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            points.add(new Point(DEV, "t", T0 + i, Value.of(i), null));
        }
        append(points);
        // Auto-checkpoint is off, so only the store's own checkpointer moves pages into the file.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(db) > before + 100_000);
    }
}
