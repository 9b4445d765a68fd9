package io.edgeward.store.sql.internal;

import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandRepository;
import io.edgeward.core.command.CommandStatus;
import io.edgeward.core.device.DeviceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Commands in SQL. Transitions are conditional updates on the status column. */
public final class SqlCommandRepository implements CommandRepository {

    private static final int IN_LIST_CHUNK = 500;
    private static final String COLUMNS =
            "command_id, device_id, type, parameters, status, message, idempotency_key, timeout_ms, "
                    + "created_at, expires_at, sent_at, delivered_at, completed_at, response_deadline";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlCommandRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public boolean insert(Command command) {
        try {
            writes.useTransaction(handle -> handle.createUpdate(
                            "INSERT INTO commands (" + COLUMNS + ") VALUES (:id, :device, :type, "
                                    + ":parameters, :status, :message, :key, :timeout, :created, :expires, :sent, NULL, NULL, :deadline)")
                    .bind("id", command.id())
                    .bind("device", command.device().value())
                    .bind("type", command.type())
                    .bind("parameters", Json.write(command.parameters()))
                    .bind("status", command.status().wireName())
                    .bind("message", command.message())
                    .bind("key", command.idempotencyKey())
                    .bind("timeout", command.timeout().toMillis())
                    .bind("created", command.createdAt().toEpochMilli())
                    .bind("expires", command.expiresAt().toEpochMilli())
                    .bind("sent", millis(command.sentAt()))
                    .bind("deadline", millis(command.responseDeadline()))
                    .execute());
            return true;
        } catch (RuntimeException e) {
            if (command.idempotencyKey() != null
                    && findByIdempotencyKey(command.device(), command.idempotencyKey())
                            .isPresent()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public Optional<Command> find(String id) {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + COLUMNS + " FROM commands WHERE command_id = :id")
                        .bind("id", id)
                        .map(SqlCommandRepository::command)
                        .findOne());
    }

    @Override
    public Optional<Command> findByIdempotencyKey(DeviceId device, String key) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS
                        + " FROM commands WHERE device_id = :device " + "AND idempotency_key = :key")
                .bind("device", device.value())
                .bind("key", key)
                .map(SqlCommandRepository::command)
                .findOne());
    }

    @Override
    public List<Command> list(DeviceId device, int limit, String beforeId) {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + COLUMNS + " FROM commands WHERE device_id = :device "
                                + (beforeId == null ? "" : "AND command_id < :before ")
                                + "ORDER BY command_id DESC LIMIT :limit")
                        .bind("device", device.value())
                        .bind("before", beforeId)
                        .bind("limit", limit)
                        .map(SqlCommandRepository::command)
                        .list());
    }

    @Override
    public List<Command> queued(DeviceId device) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS
                        + " FROM commands WHERE device_id = :device " + "AND status = 'queued' ORDER BY command_id")
                .bind("device", device.value())
                .map(SqlCommandRepository::command)
                .list());
    }

    @Override
    public Set<DeviceId> withQueued(Collection<DeviceId> devices) {
        Set<DeviceId> found = new HashSet<>();
        List<String> ids = devices.stream().map(DeviceId::value).toList();
        // Chunks keep each statement well under the databases' limits on bound parameters.
        for (int from = 0; from < ids.size(); from += IN_LIST_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_LIST_CHUNK));
            jdbi.useHandle(
                    handle -> handle.createQuery("SELECT DISTINCT device_id FROM commands WHERE status = 'queued' "
                                    + "AND device_id IN (<ids>)")
                            .bindList("ids", chunk)
                            .mapTo(String.class)
                            .forEach(id -> found.add(DeviceId.of(id))));
        }
        return found;
    }

    @Override
    public List<Command> overdue(Instant now, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + " FROM commands WHERE "
                        + "(status = 'queued' AND expires_at < :now) OR (status IN ('sent', 'delivered') AND response_deadline < :now) "
                        + "ORDER BY command_id LIMIT :limit")
                .bind("now", now.toEpochMilli())
                .bind("limit", limit)
                .map(SqlCommandRepository::command)
                .list());
    }

    @Override
    public boolean transition(
            String id,
            Set<CommandStatus> from,
            CommandStatus to,
            Instant at,
            String message,
            Instant responseDeadline) {
        String set = switch (to) {
            case QUEUED -> "sent_at = NULL, response_deadline = NULL";
            case SENT -> "sent_at = :at, response_deadline = :deadline";
            case DELIVERED -> "delivered_at = :at";
            // A response proves delivery even when it overtook the device's PUBACK.
            case SUCCEEDED, FAILED ->
                "completed_at = :at, message = :message, delivered_at = COALESCE(delivered_at, :at)";
            default -> "completed_at = :at, message = :message";
        };
        List<String> fromNames = from.stream().map(CommandStatus::wireName).toList();
        return writes.inTransaction(handle -> handle.createUpdate("UPDATE commands SET status = :to, " + set
                                + " WHERE command_id = :id AND status IN (<from>)")
                        .bind("to", to.wireName())
                        .bind("at", at.toEpochMilli())
                        .bind("message", message)
                        .bind("deadline", millis(responseDeadline))
                        .bind("id", id)
                        .bindList("from", fromNames)
                        .execute())
                > 0;
    }

    @Override
    public void markDelivered(String id, Instant at) {
        writes.useTransaction(handle -> handle.createUpdate("UPDATE commands SET delivered_at = :at, "
                        + "status = CASE WHEN status = 'sent' THEN 'delivered' ELSE status END "
                        + "WHERE command_id = :id AND delivered_at IS NULL AND status <> 'queued'")
                .bind("at", at.toEpochMilli())
                .bind("id", id)
                .execute());
    }

    private static Command command(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Command(
                rs.getString("command_id"),
                DeviceId.of(rs.getString("device_id")),
                rs.getString("type"),
                Json.readMap(rs.getString("parameters")),
                CommandStatus.fromWire(rs.getString("status")),
                rs.getString("message"),
                rs.getString("idempotency_key"),
                Duration.ofMillis(rs.getLong("timeout_ms")),
                instant(rs, "created_at"),
                instant(rs, "expires_at"),
                instant(rs, "sent_at"),
                instant(rs, "delivered_at"),
                instant(rs, "completed_at"),
                instant(rs, "response_deadline"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private static Long millis(Instant at) {
        return at == null ? null : at.toEpochMilli();
    }
}
