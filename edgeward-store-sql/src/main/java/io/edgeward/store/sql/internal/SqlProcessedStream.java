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
import org.jdbi.v3.core.Jdbi;

/**
 * The reduced stream in the main database (SQLite's main file, beside the telemetry log, so the
 * group commit writes both in one transaction; PostgreSQL's schema), and its consumers' cursors.
 */
public final class SqlProcessedStream implements ProcessedStream {

    private static final String INSERT =
            "INSERT INTO processed_stream (device_id, kind, source, metric, ts, num, bool, "
                    + "str, unit, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
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

    public SqlProcessedStream(Jdbi jdbi, Writes writes, Clock clock) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.clock = clock;
    }

    /** Appends the records in the caller's (group commit) transaction, stamped with the commit's time. */
    static void append(Connection connection, List<StreamRecord> records) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        long at = System.currentTimeMillis();
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            for (StreamRecord record : records) {
                statement.setString(1, record.device().value());
                statement.setString(2, record.kind().wireName());
                statement.setString(3, record.source());
                statement.setString(4, record.metric());
                statement.setLong(5, record.timestamp());
                SqlTelemetryStore.bindValue(statement, 6, record.value());
                statement.setString(9, record.unit());
                statement.setLong(10, at);
                statement.addBatch();
            }
            statement.executeBatch();
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
        Long seq = jdbi.withHandle(handle -> handle.createQuery("SELECT MIN(seq) FROM processed_stream WHERE at >= :t")
                .bind("t", timestamp)
                .mapTo(Long.class)
                .one());
        return seq == null ? newestSeq() : seq - 1;
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
        // By the commit-time index, a bounded number per transaction: ingest writes the same table meanwhile.
        return writes.inTransaction(handle -> handle.createUpdate("DELETE FROM processed_stream WHERE seq IN "
                        + "(SELECT seq FROM processed_stream WHERE at < :before ORDER BY at LIMIT :limit)")
                .bind("before", before)
                .bind("limit", limit)
                .execute());
    }

    /** Reads the whole stream (it has no index by device: see the migration); a deletion is rare. */
    @Override
    public void deleteDevice(DeviceId device) {
        writes.useTransaction(handle -> {
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
