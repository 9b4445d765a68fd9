package io.edgeward.store.sql.internal;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceAlreadyExistsException;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Devices and credentials in SQL. */
public final class SqlDeviceRepository implements DeviceRepository {

    private static final String COLUMNS = "device_id, name, type, model, firmware_version, status, location, "
            + "last_seen, registered_at, metadata, tags";

    private final Jdbi jdbi;

    public SqlDeviceRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void insert(Device device, String secretHash) {
        try {
            jdbi.useTransaction(handle -> {
                handle.createUpdate("INSERT INTO devices (" + COLUMNS + ") VALUES (:id, :name, :type, :model, "
                                + ":firmware, :status, :location, :lastSeen, :registeredAt, :metadata, :tags)")
                        .bind("id", device.id().value())
                        .bind("name", device.name())
                        .bind("type", device.type().wireName())
                        .bind("model", device.model())
                        .bind("firmware", device.firmwareVersion())
                        .bind("status", device.status().wireName())
                        .bind("location", device.location())
                        .bind("lastSeen", device.lastSeen() == null ? null : device.lastSeen().toEpochMilli())
                        .bind("registeredAt", device.registeredAt().toEpochMilli())
                        .bind("metadata", Json.write(device.metadata()))
                        .bind("tags", Json.write(device.tags()))
                        .execute();
                handle.createUpdate("INSERT INTO device_credentials (device_id, secret_hash, created_at) VALUES (:id, :hash, :at)")
                        .bind("id", device.id().value())
                        .bind("hash", secretHash)
                        .bind("at", device.registeredAt().toEpochMilli())
                        .execute();
            });
        } catch (RuntimeException e) {
            // A concurrent or repeated registration hits the primary key; say so in domain terms.
            if (find(device.id()).isPresent()) {
                throw new DeviceAlreadyExistsException(device.id());
            }
            throw e;
        }
    }

    @Override
    public Optional<Device> find(DeviceId id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + " FROM devices WHERE device_id = :id")
                .bind("id", id.value())
                .map(SqlDeviceRepository::device)
                .findOne());
    }

    @Override
    public Optional<String> secretHash(DeviceId id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT secret_hash FROM device_credentials WHERE device_id = :id")
                .bind("id", id.value())
                .mapTo(String.class)
                .findOne());
    }

    @Override
    public List<Device> list(int limit, DeviceId after) {
        return jdbi.withHandle(handle -> {
            if (after == null) {
                return handle.createQuery("SELECT " + COLUMNS + " FROM devices ORDER BY registered_at DESC, device_id DESC LIMIT :limit")
                        .bind("limit", limit)
                        .map(SqlDeviceRepository::device)
                        .list();
            }
            return handle.createQuery("SELECT " + COLUMNS + " FROM devices d WHERE EXISTS (SELECT 1 FROM devices c WHERE c.device_id = :after "
                            + "AND (d.registered_at < c.registered_at OR (d.registered_at = c.registered_at AND d.device_id < c.device_id))) "
                            + "ORDER BY registered_at DESC, device_id DESC LIMIT :limit")
                    .bind("after", after.value())
                    .bind("limit", limit)
                    .map(SqlDeviceRepository::device)
                    .list();
        });
    }

    @Override
    public long count() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM devices").mapTo(Long.class).one());
    }

    @Override
    public void updatePresence(DeviceId id, DeviceStatus status) {
        jdbi.useHandle(handle -> handle.createUpdate("UPDATE devices SET status = :status WHERE device_id = :id AND status <> 'maintenance'")
                .bind("status", status.wireName())
                .bind("id", id.value())
                .execute());
    }

    @Override
    public Map<DeviceStatus, Map<DeviceType, Long>> countByStatusAndType() {
        Map<DeviceStatus, Map<DeviceType, Long>> counts = new EnumMap<>(DeviceStatus.class);
        jdbi.useHandle(handle -> handle.createQuery("SELECT status, type, COUNT(*) AS n FROM devices GROUP BY status, type")
                .map((rs, ctx) -> {
                    counts.computeIfAbsent(DeviceStatus.fromWire(rs.getString("status")), s -> new EnumMap<>(DeviceType.class))
                            .put(DeviceType.fromWire(rs.getString("type")), rs.getLong("n"));
                    return null;
                })
                .list());
        return counts;
    }

    @Override
    public void markAllOffline() {
        jdbi.useHandle(handle -> handle.createUpdate("UPDATE devices SET status = 'offline' WHERE status = 'online'").execute());
    }

    private static Device device(ResultSet rs, StatementContext ctx) throws SQLException {
        long lastSeen = rs.getLong("last_seen");
        Instant lastSeenAt = rs.wasNull() ? null : Instant.ofEpochMilli(lastSeen);
        return new Device(
                DeviceId.of(rs.getString("device_id")),
                rs.getString("name"),
                DeviceType.fromWire(rs.getString("type")),
                rs.getString("model"),
                rs.getString("firmware_version"),
                DeviceStatus.fromWire(rs.getString("status")),
                rs.getString("location"),
                lastSeenAt,
                Instant.ofEpochMilli(rs.getLong("registered_at")),
                Json.readMap(rs.getString("metadata")),
                Json.readSet(rs.getString("tags")));
    }
}
