package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.sync.Backlog;
import io.edgeward.core.sync.EdgeEvent;
import io.edgeward.core.sync.EdgeMark;
import io.edgeward.core.sync.Outbox;
import io.edgeward.core.sync.OutboxEntry;
import io.edgeward.core.sync.OutboxSegment;
import io.edgeward.core.sync.ParkedEntry;
import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncMark;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The sync outbox and the receiving side's marks, in the main database (SQLite's main file,
 * beside the telemetry log; PostgreSQL's schema), so the group commit writes them in its
 * transaction ({@link #append(Connection, List)}, {@link #mark(Connection, List)}).
 */
public final class SqlOutbox implements Outbox {

    private static final String INSERT =
            "INSERT INTO sync_outbox (stream, created_at, records, bytes, payload) VALUES (?, ?, ?, ?, ?)";
    private static final String MARK = "INSERT INTO sync_marks (edge_id, stream, seq, segment_at, updated_at) "
            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (edge_id, stream) DO UPDATE SET seq = excluded.seq, "
            + "segment_at = excluded.segment_at, updated_at = excluded.updated_at WHERE excluded.seq > sync_marks.seq";

    private final Jdbi jdbi;
    private final Writes writes;
    private final Clock clock;

    public SqlOutbox(Jdbi jdbi, Writes writes, Clock clock) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.clock = clock;
    }

    /** Appends the segments in the caller's (group commit) transaction. */
    void append(Connection connection, List<OutboxSegment> segments) throws SQLException {
        if (segments.isEmpty()) {
            return;
        }
        long now = clock.millis();
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            for (OutboxSegment segment : segments) {
                statement.setInt(1, segment.priority().code());
                statement.setLong(2, now);
                statement.setInt(3, segment.records());
                statement.setInt(4, segment.payload().length);
                statement.setBytes(5, segment.payload());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /** Moves the edges' marks in the caller's (group commit) transaction; a mark never moves back. */
    void mark(Connection connection, List<SyncMark> marks) throws SQLException {
        if (marks.isEmpty()) {
            return;
        }
        long now = clock.millis();
        try (PreparedStatement statement = connection.prepareStatement(MARK)) {
            for (SyncMark mark : marks) {
                statement.setString(1, mark.edgeId());
                statement.setInt(2, mark.stream().code());
                statement.setLong(3, mark.seq());
                statement.setLong(4, mark.segmentAt());
                statement.setLong(5, now);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    @Override
    public void append(List<OutboxSegment> segments) {
        try {
            writes.useTransaction(handle -> append(handle.getConnection(), segments));
        } catch (SQLException e) {
            throw new IllegalStateException("outbox append failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<OutboxEntry> read(Priority stream, long afterSeq, long maxBytes) {
        return jdbi.withHandle(handle -> {
            List<OutboxEntry> rows = new ArrayList<>();
            long[] total = {0};
            // Rows come in pages: the size bound is on the payloads, which the query cannot sum cheaply.
            handle.createQuery(
                            "SELECT seq, created_at, records, payload FROM sync_outbox WHERE stream = :s AND seq > :a "
                                    + "ORDER BY seq LIMIT 1000")
                    .bind("s", stream.code())
                    .bind("a", afterSeq)
                    .setFetchSize(64)
                    .map((rs, ctx) -> new OutboxEntry(
                            rs.getLong("seq"),
                            stream,
                            rs.getLong("created_at"),
                            rs.getInt("records"),
                            rs.getBytes("payload")))
                    .useIterator(iterator -> {
                        while (iterator.hasNext()) {
                            OutboxEntry row = iterator.next();
                            if (!rows.isEmpty() && total[0] + row.payload().length > maxBytes) {
                                return;
                            }
                            rows.add(row);
                            total[0] += row.payload().length;
                        }
                    });
            return rows;
        });
    }

    @Override
    public void remove(Priority stream, long seq) {
        writes.useTransaction(handle -> handle.createUpdate("DELETE FROM sync_outbox WHERE stream = :s AND seq <= :q")
                .bind("s", stream.code())
                .bind("q", seq)
                .execute());
    }

    @Override
    public void park(OutboxEntry entry, String reason, long now) {
        writes.useTransaction(handle -> {
            handle.createUpdate(
                            "INSERT INTO sync_parked (seq, stream, created_at, records, payload, parked_at, reason) "
                                    + "VALUES (:q, :s, :c, :r, :p, :at, :why) ON CONFLICT (seq) DO NOTHING")
                    .bind("q", entry.seq())
                    .bind("s", entry.priority().code())
                    .bind("c", entry.createdAt())
                    .bind("r", entry.records())
                    .bind("p", entry.payload())
                    .bind("at", now)
                    .bind("why", reason == null ? "refused" : reason)
                    .execute();
            handle.createUpdate("DELETE FROM sync_outbox WHERE seq = :q")
                    .bind("q", entry.seq())
                    .execute();
        });
    }

    @Override
    public List<ParkedEntry> parked(int limit) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT seq, stream, created_at, records, parked_at, reason FROM sync_parked ORDER BY seq DESC "
                                + "LIMIT :l")
                .bind("l", limit)
                .map((rs, ctx) -> new ParkedEntry(
                        rs.getLong("seq"),
                        Priority.ofCode(rs.getInt("stream")),
                        rs.getLong("created_at"),
                        rs.getInt("records"),
                        rs.getLong("parked_at"),
                        rs.getString("reason")))
                .list());
    }

    @Override
    public Backlog evictOldest(Priority stream, long bytes) {
        return writes.inTransaction(handle -> {
            long[] totals = new long[3];
            long[] last = {-1};
            handle.createQuery(
                            "SELECT seq, records, bytes FROM sync_outbox WHERE stream = :s ORDER BY seq LIMIT 100000")
                    .bind("s", stream.code())
                    .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)})
                    .useIterator(iterator -> {
                        while (iterator.hasNext() && totals[2] < bytes) {
                            long[] row = iterator.next();
                            last[0] = row[0];
                            totals[0]++;
                            totals[1] += row[1];
                            totals[2] += row[2];
                        }
                    });
            if (last[0] >= 0) {
                handle.createUpdate("DELETE FROM sync_outbox WHERE stream = :s AND seq <= :q")
                        .bind("s", stream.code())
                        .bind("q", last[0])
                        .execute();
            }
            return new Backlog(stream, totals[0], totals[1], totals[2], 0);
        });
    }

    @Override
    public Map<Priority, Backlog> backlog() {
        Map<Priority, Backlog> backlog = new EnumMap<>(Priority.class);
        jdbi.useHandle(handle -> handle.createQuery("SELECT stream, COUNT(*), COALESCE(SUM(records), 0), "
                        + "COALESCE(SUM(bytes), 0), MIN(created_at) FROM sync_outbox GROUP BY stream")
                .map((rs, ctx) -> {
                    Priority stream = Priority.ofCode(rs.getInt(1));
                    return new Backlog(stream, rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                })
                .forEach(row -> backlog.put(row.stream(), row)));
        for (Priority stream : Priority.STREAMS) {
            backlog.putIfAbsent(stream, Backlog.empty(stream));
        }
        return backlog;
    }

    @Override
    public List<EdgeMark> marks() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT edge_id, stream, seq, segment_at, updated_at FROM sync_marks ORDER BY edge_id, stream")
                .map((rs, ctx) -> new EdgeMark(
                        rs.getString("edge_id"),
                        Priority.ofCode(rs.getInt("stream")),
                        rs.getLong("seq"),
                        rs.getLong("segment_at"),
                        rs.getLong("updated_at")))
                .list());
    }

    @Override
    public Optional<String> edgeOf(DeviceId device) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT edge_id FROM sync_devices WHERE device_id = :d")
                .bind("d", device.value())
                .mapTo(String.class)
                .findOne());
    }

    @Override
    public void attach(DeviceId device, String edgeId, boolean managed) {
        writes.useTransaction(handle -> handle.createUpdate("INSERT INTO sync_devices (device_id, edge_id, managed) "
                        + "VALUES (:d, :e, :m) ON CONFLICT (device_id) DO NOTHING")
                .bind("d", device.value())
                .bind("e", edgeId)
                .bind("m", managed ? 1 : 0)
                .execute());
    }

    @Override
    public List<DeviceId> managedDevicesOf(String edgeId) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT device_id FROM sync_devices WHERE edge_id = :e AND managed = 1 ORDER BY device_id")
                .bind("e", edgeId)
                .map((rs, ctx) -> DeviceId.of(rs.getString(1)))
                .list());
    }

    @Override
    public List<DeviceId> devicesOf(String edgeId) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT device_id FROM sync_devices WHERE edge_id = :e " + "ORDER BY device_id")
                .bind("e", edgeId)
                .map((rs, ctx) -> DeviceId.of(rs.getString(1)))
                .list());
    }

    @Override
    public void recordEvent(String edgeId, EdgeEvent event, int keep) {
        writes.useTransaction(handle -> {
            handle.createUpdate(
                            "INSERT INTO sync_events (edge_id, kind, device, at, body) VALUES (:e, :k, :d, :at, :b)")
                    .bind("e", edgeId)
                    .bind("k", event.kind())
                    .bind("d", event.device())
                    .bind("at", event.at())
                    .bind("b", event.json())
                    .execute();
            handle.createUpdate("DELETE FROM sync_events WHERE edge_id = :e AND id <= (SELECT id FROM sync_events "
                            + "WHERE edge_id = :e ORDER BY id DESC LIMIT 1 OFFSET :keep)")
                    .bind("e", edgeId)
                    .bind("keep", keep)
                    .execute();
        });
    }

    @Override
    public List<EdgeEvent> events(String edgeId, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT edge_id, kind, device, at, body FROM sync_events"
                        + (edgeId == null ? "" : " WHERE edge_id = :e") + " ORDER BY id DESC LIMIT :l")
                .bindMap(edgeId == null ? java.util.Map.of() : java.util.Map.of("e", edgeId))
                .bind("l", limit)
                .map((rs, ctx) -> new EdgeEvent(
                        rs.getString("edge_id"),
                        rs.getString("kind"),
                        rs.getString("device"),
                        rs.getLong("at"),
                        rs.getString("body")))
                .list());
    }

    @Override
    public void recordDeletion(String edgeId, DeviceId device, long at) {
        writes.useTransaction(handle -> handle.createUpdate(
                        "INSERT INTO sync_tombstones (edge_id, device_id, deleted_at) "
                                + "VALUES (:e, :d, :at) ON CONFLICT (edge_id, device_id) DO UPDATE SET deleted_at = excluded.deleted_at")
                .bind("e", edgeId)
                .bind("d", device.value())
                .bind("at", at)
                .execute());
    }

    @Override
    public List<DeviceId> deletionsFor(String edgeId, long since) {
        writes.useTransaction(handle -> handle.createUpdate("DELETE FROM sync_tombstones WHERE deleted_at < :since")
                .bind("since", since)
                .execute());
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT device_id FROM sync_tombstones WHERE edge_id = :e ORDER BY deleted_at")
                .bind("e", edgeId)
                .map((rs, ctx) -> DeviceId.of(rs.getString(1)))
                .list());
    }
}
