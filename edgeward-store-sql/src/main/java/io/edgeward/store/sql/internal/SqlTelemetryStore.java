package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.retention.Level;
import io.edgeward.core.retention.TelemetryRetention;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesInfo;
import io.edgeward.core.telemetry.SeriesKey;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TelemetryWriter;
import io.edgeward.core.telemetry.Tier;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Telemetry in SQL, both ports over one set of tables. {@link #commit} is the hot path of the whole platform: one transaction per
 * group commit and JDBC batches; on PostgreSQL the latest-value table is updated there too, once
 * per series per batch rather than once per point. On SQLite the points go to the {@link TelemetryLog} and reach the series
 * table through its merger; on PostgreSQL they go to the series table directly (its heap is
 * appended to and its WAL logs rows, not pages, so it has no such cost to avoid).
 */
public final class SqlTelemetryStore implements TelemetryWriter, TelemetryReader, TelemetryRetention {

    // A point's unit is not stored with it: it is a property of the series, kept once in the
    // latest-value table (a 120,000-character unit stored with each of 1,000 points once turned a
    // 135 KB message into 512 MB).
    private static final String UPSERT_POINT = "INSERT INTO telemetry (device_id, metric, ts, num, bool, str) "
            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, metric, ts) DO UPDATE SET "
            + "num = excluded.num, bool = excluded.bool, str = excluded.str";
    // Out-of-order arrivals (a device flushing its backlog) must not overwrite a newer latest value;
    // a point without a unit leaves the series' unit as it was.
    private static final String UPSERT_LATEST =
            "INSERT INTO telemetry_latest (device_id, metric, ts, num, bool, str, unit) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, metric) DO UPDATE SET "
                    + "ts = excluded.ts, num = excluded.num, bool = excluded.bool, str = excluded.str, "
                    + "unit = COALESCE(excluded.unit, telemetry_latest.unit) WHERE excluded.ts >= telemetry_latest.ts";
    /** Raw points with their series' unit; points stored before units moved to the series keep their own. */
    private static final String RAW =
            "SELECT t.metric, t.ts, t.num, t.bool, t.str, COALESCE(l.unit, t.unit) AS unit FROM telemetry t "
                    + "LEFT JOIN telemetry_latest l ON l.device_id = t.device_id AND l.metric = t.metric "
                    + "WHERE t.device_id = :d AND t.metric = :m AND t.ts >= :from AND t.ts < :to ORDER BY t.ts LIMIT :limit";

    /** The raw points of one series in a range, for {@link Rollups#aggregatePoints} to bucket. */
    private static final String RANGE_POINTS =
            "telemetry p WHERE p.device_id = :d AND p.metric = :m AND p.ts >= :from AND p.ts < :to";

    /**
     * The latest-value table lists a device's series; each one's first time and count come from its
     * daily rollups (a few hundred rows for years of data, where the raw points are millions).
     */
    private static final String SERIES = "SELECT l.metric, l.unit, l.ts, "
            + "(SELECT MIN(r.fts) FROM rollup_1d r WHERE r.device_id = l.device_id AND r.metric = l.metric) AS first_ts, "
            + "(SELECT SUM(r.n) FROM rollup_1d r WHERE r.device_id = l.device_id AND r.metric = l.metric) AS n "
            + "FROM telemetry_latest l WHERE l.device_id = :d ORDER BY l.metric";

    private static final String RAW_ALL =
            "SELECT t.metric, t.ts, t.num, t.bool, t.str, COALESCE(l.unit, t.unit) AS unit "
                    + "FROM telemetry t LEFT JOIN telemetry_latest l ON l.device_id = t.device_id AND l.metric = t.metric "
                    + "WHERE t.device_id = :d AND t.metric = :m AND t.ts >= :from AND t.ts < :to ORDER BY t.ts";
    /** Rows an export reads from the database at a time. */
    private static final int EXPORT_FETCH = 1_000;

    private final Jdbi jdbi;
    private final Writes writes;
    private final SqlProcessedStream stream;
    private final SqlOutbox outbox;
    private final Rollups rollups;
    /** SQLite: the log whose merger also maintains the rollups. */
    private final Optional<TelemetryLog> log;
    /** PostgreSQL: the maintainer of the rollups. */
    private final Optional<RollupMaintainer> maintainer;

    /** On SQLite, over the telemetry log. */
    public SqlTelemetryStore(Jdbi jdbi, Writes writes, SqlProcessedStream stream, SqlOutbox outbox, TelemetryLog log) {
        this(jdbi, writes, stream, outbox, new Rollups(TelemetryLog.SCHEMA + "."), Optional.of(log), Optional.empty());
    }

    /** On PostgreSQL, with the rollup maintainer. */
    public SqlTelemetryStore(
            Jdbi jdbi, Writes writes, SqlProcessedStream stream, SqlOutbox outbox, RollupMaintainer maintainer) {
        this(jdbi, writes, stream, outbox, new Rollups(""), Optional.empty(), Optional.of(maintainer));
    }

    private SqlTelemetryStore(
            Jdbi jdbi,
            Writes writes,
            SqlProcessedStream stream,
            SqlOutbox outbox,
            Rollups rollups,
            Optional<TelemetryLog> log,
            Optional<RollupMaintainer> maintainer) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.stream = stream;
        this.outbox = outbox;
        this.rollups = rollups;
        this.log = log;
        this.maintainer = maintainer;
    }

    @Override
    public void commit(CommitBatch batch) {
        List<Point> points = batch.points();
        try {
            writes.useTransaction(handle -> {
                Connection connection = handle.getConnection();
                if (log.isPresent()) {
                    log.get().append(connection, points); // the merger maintains the latest values
                } else {
                    writePoints(connection, UPSERT_POINT, points, false);
                    writePoints(connection, UPSERT_LATEST, newestPerSeries(points), true);
                    RollupMaintainer.note(connection, points); // with the points, or not at all
                }
                stream.append(connection, batch.records());
                outbox.append(connection, batch.outbox());
                outbox.mark(connection, batch.marks());
            });
        } catch (SQLException e) {
            throw new IllegalStateException("telemetry commit failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void deleteDevice(DeviceId device) {
        // On SQLite no merge may run meanwhile: it would copy the device's log rows back.
        pausingMerges(() -> {
            deleteNow(device);
            return null;
        });
    }

    /** On SQLite, {@code work} with no merge in progress (see {@link TelemetryLog#withMergesPaused}). */
    private <T> T pausingMerges(Supplier<T> work) {
        return log.isPresent() ? log.get().withMergesPaused(work) : work.get();
    }

    private void deleteNow(DeviceId device) {
        writes.useTransaction(handle -> {
            if (log.isPresent()) {
                handle.createUpdate("DELETE FROM telemetry_log WHERE device_id = :id")
                        .bind("id", device.value())
                        .execute();
            }
            if (log.isPresent()) {
                String series = TelemetryLog.SCHEMA + ".series";
                handle.createUpdate("DELETE FROM " + TelemetryLog.SCHEMA + ".points WHERE series IN (SELECT id FROM "
                                + series + " WHERE device_id = :id)")
                        .bind("id", device.value())
                        .execute();
                handle.createUpdate("DELETE FROM " + series + " WHERE device_id = :id")
                        .bind("id", device.value())
                        .execute();
            } else {
                handle.createUpdate("DELETE FROM telemetry WHERE device_id = :id")
                        .bind("id", device.value())
                        .execute();
            }
            handle.createUpdate("DELETE FROM telemetry_latest WHERE device_id = :id")
                    .bind("id", device.value())
                    .execute();
            rollups.deleteDevice(handle, device);
            maintainer.ifPresent(m -> m.deleteDevice(handle, device));
        });
    }

    /** The newest point of each series, with the newest unit the batch gives that series (a point may carry none). */
    private static Iterable<Point> newestPerSeries(List<Point> points) {
        Map<SeriesKey, Point> newest = new HashMap<>();
        Map<SeriesKey, Point> newestWithUnit = new HashMap<>();
        for (Point point : points) {
            SeriesKey key = new SeriesKey(point.device(), point.metric());
            newest.merge(key, point, (a, b) -> b.timestamp() >= a.timestamp() ? b : a);
            if (point.unit() != null) {
                newestWithUnit.merge(key, point, (a, b) -> b.timestamp() >= a.timestamp() ? b : a);
            }
        }
        return newest.entrySet().stream()
                .map(entry -> {
                    Point point = entry.getValue();
                    Point withUnit = newestWithUnit.get(entry.getKey());
                    return point.unit() != null || withUnit == null
                            ? point
                            : new Point(
                                    point.device(), point.metric(), point.timestamp(), point.value(), withUnit.unit());
                })
                .toList();
    }

    /** Binds each point to {@code sql}'s parameters: key, value columns and, {@code withUnit}, the unit. */
    static void writePoints(Connection connection, String sql, Iterable<Point> points, boolean withUnit)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Point point : points) {
                statement.setString(1, point.device().value());
                statement.setString(2, point.metric());
                statement.setLong(3, point.timestamp());
                bindValue(statement, 4, point.value());
                if (withUnit) {
                    statement.setString(7, point.unit());
                }
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /** Binds the value to the columns num, bool and str at {@code first} and the two after it, the others null. */
    static void bindValue(PreparedStatement statement, int first, Value value) throws SQLException {
        statement.setNull(first, Types.DOUBLE);
        statement.setNull(first + 1, Types.BOOLEAN);
        statement.setNull(first + 2, Types.VARCHAR);
        switch (value) {
            case Value.Num n -> statement.setDouble(first, n.value());
            case Value.Bool b -> statement.setBoolean(first + 1, b.value());
            case Value.Text t -> statement.setString(first + 2, t.value());
        }
    }

    @Override
    public List<Point> latest(DeviceId device) {
        log.ifPresent(TelemetryLog::mergeAll);
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT metric, ts, num, bool, str, unit FROM telemetry_latest WHERE device_id = :d ORDER BY metric")
                .bind("d", device.value())
                .map((rs, ctx) -> point(device, rs))
                .list());
    }

    @Override
    public void forEachRaw(DeviceId device, String metric, TimeRange range, Consumer<Point> sink) {
        log.ifPresent(TelemetryLog::mergeAll);
        // In a transaction with a fetch size, PostgreSQL's driver reads with a cursor instead of the
        // whole result at once; SQLite steps through its result anyway.
        jdbi.useTransaction(handle -> {
            try (var points = handle
                    .createQuery(RAW_ALL)
                    .bind("d", device.value())
                    .bind("m", metric)
                    .bind("from", range.from())
                    .bind("to", range.to())
                    .setFetchSize(EXPORT_FETCH)
                    .map((rs, ctx) -> point(device, rs))
                    .stream()) {
                points.forEach(sink);
            }
        });
    }

    @Override
    public List<Point> raw(DeviceId device, String metric, TimeRange range, int limit) {
        log.ifPresent(TelemetryLog::mergeAll);
        return jdbi.withHandle(handle -> handle.createQuery(RAW)
                .bind("d", device.value())
                .bind("m", metric)
                .bind("from", range.from())
                .bind("to", range.to())
                .bind("limit", limit)
                .map((rs, ctx) -> point(device, rs))
                .list());
    }

    @Override
    public List<SeriesInfo> series(DeviceId device) {
        log.ifPresent(TelemetryLog::mergeAll);
        maintainer.ifPresent(m -> m.catchUp(device, null));
        return jdbi.withHandle(handle -> handle.createQuery(SERIES)
                .bind("d", device.value())
                .map((rs, ctx) -> new SeriesInfo(
                        rs.getString("metric"),
                        rs.getString("unit"),
                        rs.getLong("first_ts"),
                        rs.getLong("ts"),
                        rs.getLong("n")))
                .list());
    }

    @Override
    public List<Bucket> buckets(DeviceId device, String metric, TimeRange range, Duration interval) {
        log.ifPresent(TelemetryLog::mergeAll);
        // The width is part of the statement, not a parameter: PostgreSQL matches "ts / 60000" in
        // its window partitions, never two separately bound "ts / ?".
        String sql = Rollups.aggregatePoints(RANGE_POINTS, "telemetry", interval.toMillis()) + " ORDER BY a.bucket";
        return jdbi.withHandle(handle -> handle.createQuery(sql)
                .bind("d", device.value())
                .bind("m", metric)
                .bind("from", range.from())
                .bind("to", range.to())
                .map((rs, ctx) -> Rollups.bucket(rs))
                .list());
    }

    @Override
    public List<Bucket> rollups(DeviceId device, String metric, Tier tier, TimeRange range) {
        log.ifPresent(TelemetryLog::mergeAll);
        maintainer.ifPresent(m -> m.catchUp(device, metric));
        return jdbi.withHandle(handle -> rollups.read(handle, device, metric, tier, range));
    }

    @Override
    public List<SeriesKey> series() {
        log.ifPresent(TelemetryLog::mergeAll);
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT device_id, metric FROM telemetry_latest ORDER BY device_id, metric")
                .map((rs, ctx) -> new SeriesKey(DeviceId.of(rs.getString("device_id")), rs.getString("metric")))
                .list());
    }

    /**
     * Deletes by the series' key range, oldest first; on SQLite with no merge in progress (the
     * merger writes the same file, and a merge's snapshot must not go stale under it).
     */
    @Override
    public int expire(DeviceId device, String metric, Level level, long before, int limit) {
        if (level == Level.RAW && log.isPresent()) {
            return expireSqlitePoints(device, metric, before, limit);
        }
        String table = level.tier() == null ? rollups.schema() + "telemetry" : rollups.table(level.tier());
        String column = level.tier() == null ? "ts" : "bucket";
        // A bucket goes only once all of it is past the cutoff.
        long bound = level.tier() == null ? before : before - level.tier().millis() + 1;
        // A key range, bounded by the limit-th oldest key: both databases delete it by an index range
        // scan (an IN over a subquery made PostgreSQL scan the whole series for every batch).
        String sql = "DELETE FROM " + table + " WHERE device_id = :d AND metric = :m AND " + column + " < :before AND "
                + column + " <= COALESCE((SELECT " + column + " FROM " + table
                + " WHERE device_id = :d AND metric = :m AND "
                + column + " < :before ORDER BY " + column + " LIMIT 1 OFFSET :skip), :before)";
        if (level == Level.RAW) {
            // The rollups hold every point before its raw row goes (PostgreSQL recomputes noted minutes from raw rows).
            maintainer.ifPresent(m -> m.catchUp(device, metric, before));
        }
        return pausingMerges(() -> jdbi.inTransaction(handle -> handle.createUpdate(sql)
                .bind("d", device.value())
                .bind("m", metric)
                .bind("before", bound)
                .bind("skip", limit - 1)
                .execute()));
    }

    /** SQLite keeps raw points in {@code points}, keyed by series id: the same key-range deletion there. */
    private int expireSqlitePoints(DeviceId device, String metric, long before, int limit) {
        String points = TelemetryLog.SCHEMA + ".points";
        String sql = "DELETE FROM " + points + " WHERE series = :s AND ts < :before AND ts <= COALESCE((SELECT ts FROM "
                + points + " WHERE series = :s AND ts < :before ORDER BY ts LIMIT 1 OFFSET :skip), :before)";
        return pausingMerges(() -> jdbi.inTransaction(handle -> {
            Optional<Long> series = handle.createQuery(
                            "SELECT id FROM " + TelemetryLog.SCHEMA + ".series WHERE device_id = :d AND metric = :m")
                    .bind("d", device.value())
                    .bind("m", metric)
                    .mapTo(Long.class)
                    .findOne();
            if (series.isEmpty()) {
                return 0;
            }
            return handle.createUpdate(sql)
                    .bind("s", series.get())
                    .bind("before", before)
                    .bind("skip", limit - 1)
                    .execute();
        }));
    }

    @Override
    public OptionalLong oldest(Level level) {
        log.ifPresent(TelemetryLog::mergeAll);
        String table =
                level.tier() == null ? "telemetry" : Rollups.table(level.tier().wireName());
        String column = level.tier() == null ? "ts" : "bucket";
        // Per series, from its key range: a MIN over the whole table would scan it.
        Long oldest = jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT MIN((SELECT MIN(t." + column + ") FROM " + table
                                + " t WHERE t.device_id = l.device_id AND t.metric = l.metric)) FROM telemetry_latest l")
                .mapTo(Long.class)
                .one());
        return oldest == null ? OptionalLong.empty() : OptionalLong.of(oldest);
    }

    /**
     * SQLite: the pages in use (not the free ones a deletion leaves for reuse) of the series file,
     * which holds the points and the tiers. Not the main file: its telemetry log is transient (rows
     * wait there for the merger), and counting it would make a budget chase bytes no deletion frees.
     * PostgreSQL: unknown.
     */
    @Override
    public long usedBytes() {
        if (log.isEmpty()) {
            return -1;
        }
        return jdbi.withHandle(handle -> {
            String schema = TelemetryLog.SCHEMA;
            return (pragma(handle, schema, "page_count") - pragma(handle, schema, "freelist_count"))
                    * pragma(handle, schema, "page_size");
        });
    }

    private static long pragma(org.jdbi.v3.core.Handle handle, String schema, String pragma) {
        return handle.createQuery("PRAGMA " + schema + "." + pragma)
                .mapTo(Long.class)
                .one();
    }

    private static Point point(DeviceId device, ResultSet rs) throws SQLException {
        return new Point(device, rs.getString("metric"), rs.getLong("ts"), value(rs), rs.getString("unit"));
    }

    private static Value value(ResultSet rs) throws SQLException {
        return value(rs, "");
    }

    /** The value in the columns {@code prefix}num, {@code prefix}bool and {@code prefix}str (one of them set). */
    static Value value(ResultSet rs, String prefix) throws SQLException {
        double num = rs.getDouble(prefix + "num");
        if (!rs.wasNull()) {
            return Value.of(num);
        }
        boolean bool = rs.getBoolean(prefix + "bool");
        if (!rs.wasNull()) {
            return Value.of(bool);
        }
        return Value.of(rs.getString(prefix + "str"));
    }
}
