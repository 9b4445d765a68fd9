package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.processing.ProcessedStream;
import io.edgeward.core.telemetry.StreamRecord;
import io.edgeward.core.telemetry.Value;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
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
                    + "str, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String COLUMNS = "seq, device_id, kind, source, metric, ts, num, bool, str, unit";

    private final Jdbi jdbi;
    private final Writes writes;
    private final Clock clock;

    public SqlProcessedStream(Jdbi jdbi, Writes writes, Clock clock) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.clock = clock;
    }

    /** Appends the records in the caller's (group commit) transaction. */
    static void append(Connection connection, List<StreamRecord> records) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            for (StreamRecord record : records) {
                statement.setString(1, record.device().value());
                statement.setString(2, record.kind().wireName());
                statement.setString(3, record.source());
                statement.setString(4, record.metric());
                statement.setLong(5, record.timestamp());
                statement.setNull(6, Types.DOUBLE);
                statement.setNull(7, Types.BOOLEAN);
                statement.setNull(8, Types.VARCHAR);
                switch (record.value()) {
                    case Value.Num n -> statement.setDouble(6, n.value());
                    case Value.Bool b -> statement.setBoolean(7, b.value());
                    case Value.Text t -> statement.setString(8, t.value());
                }
                statement.setString(9, record.unit());
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
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + " FROM processed_stream "
                        + "WHERE device_id = :d AND metric = :m AND source = :s ORDER BY seq DESC LIMIT 1")
                .bind("d", device.value())
                .bind("m", metric)
                .bind("s", source)
                .map((rs, ctx) -> record(rs))
                .findOne());
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
        Long seq = jdbi.withHandle(handle -> handle.createQuery("SELECT MIN(seq) FROM processed_stream WHERE ts >= :t")
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
        // By the time index, a bounded number per transaction: ingest writes the same table meanwhile.
        return writes.inTransaction(handle -> handle.createUpdate("DELETE FROM processed_stream WHERE seq IN "
                        + "(SELECT seq FROM processed_stream WHERE ts < :before ORDER BY ts LIMIT :limit)")
                .bind("before", before)
                .bind("limit", limit)
                .execute());
    }

    @Override
    public void deleteDevice(DeviceId device) {
        writes.useTransaction(handle -> handle.createUpdate("DELETE FROM processed_stream WHERE device_id = :d")
                .bind("d", device.value())
                .execute());
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
