package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.processing.ProcessedStream;
import io.edgeward.core.telemetry.StreamRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The reduced stream in the main database (SQLite's main file, beside the telemetry log, so the
 * group commit writes both in one transaction; PostgreSQL's schema), and its consumers' cursors.
 */
public final class SqlProcessedStream implements ProcessedStream {

    private static final String INSERT =
            "INSERT INTO processed_stream (device_id, kind, source, metric, ts, num, bool, "
                    + "str, unit, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_AT_POSITION =
            "INSERT INTO processed_stream (device_id, kind, source, metric, ts, num, bool, "
                    + "str, unit, at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String COLUMNS = "seq, device_id, kind, source, metric, ts, num, bool, str, unit";
    /** The series' newest record after the heads' mark, else the one its head names. */
    private static final String LAST = "SELECT " + COLUMNS + " FROM processed_stream WHERE seq = COALESCE("
            + "(SELECT MAX(seq) FROM processed_stream WHERE seq > (SELECT indexed_seq FROM stream_heads_mark) "
            + "AND device_id = :d AND metric = :m AND source = :s), "
            + "(SELECT seq FROM stream_heads WHERE source = :s AND device_id = :d AND metric = :m))";

    private static final String ADVANCE_HEADS = "INSERT INTO stream_heads (source, device_id, metric, seq) "
            + "SELECT source, device_id, metric, MAX(seq) FROM processed_stream WHERE seq > :from AND seq <= :to "
            + "GROUP BY source, device_id, metric "
            + "ON CONFLICT (source, device_id, metric) DO UPDATE SET seq = excluded.seq";

    private final Jdbi jdbi;
    private final Writes writes;
    private final Clock clock;
    /**
     * On SQLite this class hands out positions itself (see the V6 migration): a sequence there
     * costs a page in every commit. PostgreSQL's sequence costs nothing of the kind, and several
     * nodes may write one database there.
     */
    private final boolean assignsPositions;
    /** The highest position handed out (or stored before this start); -1 until first read. */
    private long issued = -1;
    /** The newest commit time stamped: {@code at} never decreases along the positions. */
    private long lastAt;

    public SqlProcessedStream(Jdbi jdbi, Writes writes, Clock clock, boolean assignsPositions) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.clock = clock;
        this.assignsPositions = assignsPositions;
    }

    /**
     * Appends the records in the caller's (group commit) transaction, stamped with the commit's
     * time. A commit that fails after this leaves a gap in the positions, never a reused one.
     */
    synchronized void append(Connection connection, List<StreamRecord> records) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        long at = clock.millis();
        if (assignsPositions) {
            if (issued < 0) {
                readIssued(connection);
            }
            at = Math.max(at, lastAt);
            lastAt = at;
        }
        try (PreparedStatement statement =
                connection.prepareStatement(assignsPositions ? INSERT_AT_POSITION : INSERT)) {
            for (StreamRecord record : records) {
                statement.setString(1, record.device().value());
                statement.setString(2, record.kind().wireName());
                statement.setString(3, record.source());
                statement.setString(4, record.metric());
                statement.setLong(5, record.timestamp());
                SqlTelemetryStore.bindValue(statement, 6, record.value());
                statement.setString(9, record.unit());
                statement.setLong(10, at);
                if (assignsPositions) {
                    statement.setLong(11, ++issued);
                }
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private void readIssued(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT MAX(issued_seq, COALESCE("
                        + "(SELECT MAX(seq) FROM processed_stream), 0)), COALESCE((SELECT at FROM processed_stream "
                        + "ORDER BY seq DESC LIMIT 1), 0) FROM stream_heads_mark");
                ResultSet rs = statement.executeQuery()) {
            rs.next();
            issued = rs.getLong(1);
            lastAt = rs.getLong(2);
        }
    }

    @Override
    public List<StreamRecord> read(long afterSeq, DeviceId device, int limit) {
        String where = device == null ? "" : " AND device_id = :d";
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery("SELECT " + COLUMNS + " FROM processed_stream WHERE seq > :after" + where
                            + " ORDER BY seq LIMIT :limit")
                    .bind("after", afterSeq)
                    .bind("limit", limit);
            if (device != null) {
                query.bind("d", device.value());
            }
            return query.map((rs, ctx) -> record(rs)).list();
        });
    }

    @Override
    public Optional<StreamRecord> last(String source, DeviceId device, String metric) {
        return jdbi.withHandle(handle -> handle.createQuery(LAST)
                .bind("d", device.value())
                .bind("m", metric)
                .bind("s", source)
                .map((rs, ctx) -> record(rs))
                .findOne());
    }

    /** Moves the heads up to the newest record, in one short transaction; what was indexed already is not read again. */
    @Override
    public void advanceHeads() {
        writes.useTransaction(handle -> {
            long mark = handle.createQuery("SELECT indexed_seq FROM stream_heads_mark")
                    .mapTo(Long.class)
                    .one();
            long newest = handle.createQuery("SELECT COALESCE(MAX(seq), 0) FROM processed_stream")
                    .mapTo(Long.class)
                    .one();
            if (newest > mark) {
                handle.createUpdate(ADVANCE_HEADS)
                        .bind("from", mark)
                        .bind("to", newest)
                        .execute();
                handle.createUpdate("UPDATE stream_heads_mark SET indexed_seq = :to")
                        .bind("to", newest)
                        .execute();
            }
        });
    }

    @Override
    public OptionalLong oldestSeq() {
        Long seq = jdbi.withHandle(handle -> handle.createQuery("SELECT MIN(seq) FROM processed_stream")
                .mapTo(Long.class)
                .one());
        return seq == null ? OptionalLong.empty() : OptionalLong.of(seq);
    }

    @Override
    public long newestSeq() {
        Long seq = jdbi.withHandle(handle -> handle.createQuery("SELECT MAX(seq) FROM processed_stream")
                .mapTo(Long.class)
                .one());
        return seq == null ? 0 : seq;
    }

    @Override
    public long seqBefore(long timestamp) {
        if (assignsPositions) {
            return jdbi.withHandle(handle -> firstPositionAtOrAfter(handle, timestamp)) - 1;
        }
        Long seq = jdbi.withHandle(handle -> handle.createQuery("SELECT MIN(seq) FROM processed_stream WHERE at >= :t")
                .bind("t", timestamp)
                .mapTo(Long.class)
                .one());
        return seq == null ? newestSeq() : seq - 1;
    }

    /**
     * The lowest position from which every record was committed at {@code timestamp} or later (one
     * past the newest when none was): a binary search over positions, as {@code at} never
     * decreases along them, with no index by time to keep up in every commit.
     */
    private static long firstPositionAtOrAfter(Handle handle, long timestamp) {
        Long oldest = handle.createQuery("SELECT MIN(seq) FROM processed_stream")
                .mapTo(Long.class)
                .one();
        if (oldest == null) {
            return 1;
        }
        long low = oldest;
        long high = handle.createQuery("SELECT MAX(seq) FROM processed_stream")
                        .mapTo(Long.class)
                        .one()
                + 1;
        var atOrAfter = handle.createQuery("SELECT at FROM processed_stream WHERE seq >= :s ORDER BY seq LIMIT 1");
        while (low < high) {
            long middle = (low + high) >>> 1;
            long at = atOrAfter.bind("s", middle).mapTo(Long.class).one();
            if (at >= timestamp) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }

    @Override
    public OptionalLong cursor(String consumer) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT seq FROM stream_cursors WHERE consumer = :c")
                .bind("c", consumer)
                .mapTo(Long.class)
                .findOne()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty()));
    }

    @Override
    public void saveCursor(String consumer, long seq) {
        writes.useTransaction(handle -> handle.createUpdate("INSERT INTO stream_cursors (consumer, seq, updated_at) "
                        + "VALUES (:c, :s, :t) ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, "
                        + "updated_at = excluded.updated_at")
                .bind("c", consumer)
                .bind("s", seq)
                .bind("t", clock.millis())
                .execute());
    }

    @Override
    public Map<String, Long> cursors() {
        return jdbi.withHandle(handle -> {
            Map<String, Long> cursors = new LinkedHashMap<>();
            handle.createQuery("SELECT consumer, seq FROM stream_cursors ORDER BY consumer")
                    .map((rs, ctx) -> Map.entry(rs.getString("consumer"), rs.getLong("seq")))
                    .forEach(e -> cursors.put(e.getKey(), e.getValue()));
            return cursors;
        });
    }

    @Override
    public int expire(long before, int limit) {
        // A bounded number per transaction: ingest writes the same table meanwhile.
        if (!assignsPositions) {
            return writes.inTransaction(handle -> handle.createUpdate("DELETE FROM processed_stream WHERE seq IN "
                            + "(SELECT seq FROM processed_stream WHERE at < :before ORDER BY at LIMIT :limit)")
                    .bind("before", before)
                    .bind("limit", limit)
                    .execute());
        }
        // The boundary stays where it is: what is committed from now on is stamped later than `before`.
        long boundary = jdbi.withHandle(handle -> firstPositionAtOrAfter(handle, before));
        return writes.inTransaction(handle -> {
            keepIssued(handle);
            return handle.createUpdate("DELETE FROM processed_stream WHERE seq IN "
                            + "(SELECT seq FROM processed_stream WHERE seq < :boundary ORDER BY seq LIMIT :limit)")
                    .bind("boundary", boundary)
                    .bind("limit", limit)
                    .execute();
        });
    }

    /** Before deleting records: the newest position may be among them, and must not be handed out again. */
    private void keepIssued(Handle handle) {
        if (assignsPositions) {
            handle.createUpdate("UPDATE stream_heads_mark SET issued_seq = MAX(issued_seq, "
                            + "COALESCE((SELECT MAX(seq) FROM processed_stream), 0))")
                    .execute();
        }
    }

    /** Reads the whole stream (it has no index by device: see the migration); a deletion is rare. */
    @Override
    public void deleteDevice(DeviceId device) {
        writes.useTransaction(handle -> {
            keepIssued(handle);
            handle.createUpdate("DELETE FROM processed_stream WHERE device_id = :d")
                    .bind("d", device.value())
                    .execute();
            handle.createUpdate("DELETE FROM stream_heads WHERE device_id = :d")
                    .bind("d", device.value())
                    .execute();
        });
    }

    private static StreamRecord record(ResultSet rs) throws SQLException {
        return new StreamRecord(
                rs.getLong("seq"),
                DeviceId.of(rs.getString("device_id")),
                StreamRecord.Kind.fromWire(rs.getString("kind")),
                rs.getString("source"),
                rs.getString("metric"),
                rs.getLong("ts"),
                SqlTelemetryStore.value(rs, ""),
                rs.getString("unit"));
    }
}
