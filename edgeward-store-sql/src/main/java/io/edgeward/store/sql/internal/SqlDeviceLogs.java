package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.logs.DeviceLogRepository;
import io.edgeward.core.logs.LogEntry;
import io.edgeward.core.logs.LogLevel;
import io.edgeward.core.sync.OutboxSegment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Device log lines in SQL ({@code device_logs}). */
public final class SqlDeviceLogs implements DeviceLogRepository {

    private static final String INSERT =
            "INSERT INTO device_logs (device_id, ts, level, message, fields, edge_id, origin_id) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private final Jdbi jdbi;
    private final Writes writes;
    private final SqlOutbox outbox;

    public SqlDeviceLogs(Jdbi jdbi, Writes writes, SqlOutbox outbox) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.outbox = outbox;
    }

    @Override
    public void append(List<LogEntry> entries, Function<List<LogEntry>, List<OutboxSegment>> forward) {
        if (entries.isEmpty()) {
            return;
        }
        try {
            writes.useTransaction(handle -> {
                Connection connection = handle.getConnection();
                List<LogEntry> stored = new ArrayList<>(entries.size());
                // One statement a line: each line's generated id goes up with it (SQLite's batches return only
                // the last key).
                try (PreparedStatement statement =
                        connection.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
                    for (LogEntry entry : entries) {
                        bind(statement, entry, null, 0);
                        statement.executeUpdate();
                        try (ResultSet keys = statement.getGeneratedKeys()) {
                            keys.next();
                            stored.add(entry.withId(keys.getLong(1)));
                        }
                    }
                }
                outbox.append(connection, forward.apply(stored));
            });
        } catch (SQLException e) {
            throw new IllegalStateException("device log append failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int appendFromEdge(
            String edgeId, List<LogEntry> entries, Function<List<LogEntry>, List<OutboxSegment>> forward) {
        if (entries.isEmpty()) {
            return 0;
        }
        try {
            return writes.inTransaction(handle -> {
                Connection connection = handle.getConnection();
                List<LogEntry> added = new ArrayList<>();
                try (PreparedStatement statement = connection.prepareStatement(
                        INSERT + " ON CONFLICT (edge_id, origin_id) DO NOTHING", Statement.RETURN_GENERATED_KEYS)) {
                    for (LogEntry entry : entries) {
                        bind(statement, entry, edgeId, entry.id());
                        if (statement.executeUpdate() == 1) {
                            try (ResultSet keys = statement.getGeneratedKeys()) {
                                keys.next();
                                added.add(entry.withId(keys.getLong(1)));
                            }
                        }
                    }
                }
                outbox.append(connection, forward.apply(added));
                return added.size();
            });
        } catch (SQLException e) {
            throw new IllegalStateException("device log append failed: " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement statement, LogEntry entry, String edgeId, long originId)
            throws SQLException {
        statement.setString(1, entry.device().value());
        statement.setLong(2, entry.ts());
        statement.setInt(3, entry.level().ordinal());
        statement.setString(4, entry.message());
        if (entry.fieldsJson() == null) {
            statement.setNull(5, Types.VARCHAR);
        } else {
            statement.setString(5, entry.fieldsJson());
        }
        if (edgeId == null) {
            statement.setNull(6, Types.VARCHAR);
            statement.setNull(7, Types.BIGINT);
        } else {
            statement.setString(6, edgeId);
            statement.setLong(7, originId);
        }
    }

    @Override
    public List<LogEntry> query(DeviceId device, long from, long to, LogLevel level, long before, int limit) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery(
                            "SELECT id, device_id, ts, level, message, fields, edge_id FROM device_logs WHERE ts >= :from"
                                    + " AND ts < :to AND level >= :level"
                                    + (device == null ? "" : " AND device_id = :device")
                                    + (before > 0 ? " AND id < :before" : "")
                                    + " ORDER BY id DESC LIMIT :limit")
                    .bind("from", from)
                    .bind("to", to)
                    .bind("level", level.ordinal())
                    .bind("limit", limit);
            if (device != null) {
                query.bind("device", device.value());
            }
            if (before > 0) {
                query.bind("before", before);
            }
            return query.map(SqlDeviceLogs::entry).list();
        });
    }

    @Override
    public long deleteBefore(long ts) {
        long deleted = 0;
        // In batches, so that a large expiry never holds the writer long.
        while (true) {
            int rows = writes.inTransaction(handle -> handle.createUpdate(
                            "DELETE FROM device_logs WHERE id IN (SELECT id FROM device_logs WHERE ts < :ts LIMIT 10000)")
                    .bind("ts", ts)
                    .execute());
            deleted += rows;
            if (rows < 10_000) {
                return deleted;
            }
        }
    }

    @Override
    public void deleteDevice(DeviceId device) {
        writes.useTransaction(handle -> handle.createUpdate("DELETE FROM device_logs WHERE device_id = :d")
                .bind("d", device.value())
                .execute());
    }

    private static LogEntry entry(ResultSet rs, StatementContext ctx) throws SQLException {
        return new LogEntry(
                rs.getLong("id"),
                DeviceId.of(rs.getString("device_id")),
                rs.getLong("ts"),
                LogLevel.values()[rs.getInt("level")],
                rs.getString("message"),
                rs.getString("fields"),
                rs.getString("edge_id"));
    }
}
