package io.edgeward.store.sql.internal;

import io.edgeward.core.device.Credential;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceAlreadyExistsException;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementContext;

/** Devices and credentials in SQL. */
public final class SqlDeviceRepository implements DeviceRepository {

    private static final String INSERTED = "device_id, name, type, model, firmware_version, status, location, "
            + "last_seen, registered_at, metadata, tags, updated_at, based_on";

    /** Read from {@code devices d}, with the edge a device is behind (at a node receiving edges). */
    private static final String COLUMNS = "d.device_id, d.name, d.type, d.model, d.firmware_version, d.status, "
            + "d.location, d.last_seen, d.registered_at, d.metadata, d.tags, d.updated_at, d.based_on, "
            + "(SELECT s.edge_id FROM sync_devices s WHERE s.device_id = d.device_id) AS edge";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlDeviceRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public void insert(Device device, String secretHash) {
        try {
            writes.useTransaction(handle -> {
                handle.createUpdate("INSERT INTO devices (" + INSERTED + ") VALUES (:id, :name, :type, :model, "
                                + ":firmware, :status, :location, :lastSeen, :registeredAt, :metadata, :tags, "
                                + ":updatedAt, :basedOn)")
                        .bind("id", device.id().value())
                        .bind("name", device.name())
                        .bind("type", device.type().wireName())
                        .bind("model", device.model())
                        .bind("firmware", device.firmwareVersion())
                        .bind("status", device.status().wireName())
                        .bind("location", device.location())
                        .bind(
                                "lastSeen",
                                device.lastSeen() == null
                                        ? null
                                        : device.lastSeen().toEpochMilli())
                        .bind("registeredAt", device.registeredAt().toEpochMilli())
                        .bind("metadata", Json.write(device.metadata()))
                        .bind("tags", Json.write(device.tags()))
                        .bind("updatedAt", device.updatedAt().toEpochMilli())
                        .bind("basedOn", millis(device.basedOn()))
                        .execute();
                handle.createUpdate(
                                "INSERT INTO device_credentials (device_id, secret_hash, created_at) VALUES (:id, :hash, :at)")
                        .bind("id", device.id().value())
                        .bind("hash", secretHash)
                        .bind("at", device.registeredAt().toEpochMilli())
                        .execute();
                insertTags(handle, device);
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
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + COLUMNS + " FROM devices d WHERE d.device_id = :id")
                        .bind("id", id.value())
                        .map(SqlDeviceRepository::device)
                        .findOne());
    }

    @Override
    public Optional<String> secretHash(DeviceId id) {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT secret_hash FROM device_credentials WHERE device_id = :id")
                        .bind("id", id.value())
                        .mapTo(String.class)
                        .findOne());
    }

    @Override
    public List<Credential> credentials() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT d.device_id, d.type, c.secret_hash FROM devices d "
                        + "JOIN device_credentials c ON c.device_id = d.device_id")
                .map((rs, ctx) -> new Credential(
                        DeviceId.of(rs.getString(1)), DeviceType.fromWire(rs.getString(2)), rs.getString(3)))
                .list());
    }

    @Override
    public Optional<Device> findBySecretHash(String secretHash) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + COLUMNS
                                + " FROM devices d WHERE d.device_id IN (SELECT device_id FROM device_credentials WHERE secret_hash = :hash)")
                .bind("hash", secretHash)
                .map(SqlDeviceRepository::device)
                .findFirst());
    }

    @Override
    public List<Device> list(DeviceFilter filter, int limit, DeviceId after) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM devices d WHERE 1 = 1");
        Map<String, Object> binds = new LinkedHashMap<>();
        if (filter.type() != null) {
            sql.append(" AND d.type = :type");
            binds.put("type", filter.type().wireName());
        }
        if (filter.status() != null) {
            sql.append(" AND d.status = :status");
            binds.put("status", filter.status().wireName());
        }
        if (filter.model() != null) {
            sql.append(" AND d.model = :model");
            binds.put("model", filter.model());
        }
        if (filter.tag() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM device_tags t WHERE t.tag = :tag AND t.device_id = d.device_id)");
            binds.put("tag", filter.tag());
        }
        if (filter.edge() != null) {
            sql.append(
                    " AND EXISTS (SELECT 1 FROM sync_devices s WHERE s.edge_id = :edge AND s.device_id = d.device_id)");
            binds.put("edge", filter.edge());
        }
        if (filter.text() != null) {
            // '!' escapes, not a backslash: JDBI's statement parser treats a backslash in a literal as an escape.
            sql.append(
                    " AND (LOWER(d.device_id) LIKE :text ESCAPE '!' OR LOWER(COALESCE(d.name, '')) LIKE :text ESCAPE '!')");
            binds.put("text", "%" + likeEscape(filter.text().toLowerCase(Locale.ROOT)) + "%");
        }
        if (after != null) {
            // Keyset pagination: strictly after the cursor device in (registered_at DESC, device_id DESC).
            sql.append(
                    " AND EXISTS (SELECT 1 FROM devices c WHERE c.device_id = :after AND (d.registered_at < c.registered_at"
                            + " OR (d.registered_at = c.registered_at AND d.device_id < c.device_id)))");
            binds.put("after", after.value());
        }
        sql.append(" ORDER BY d.registered_at DESC, d.device_id DESC LIMIT :limit");
        binds.put("limit", limit);
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql.toString());
            binds.forEach(query::bind);
            return query.map(SqlDeviceRepository::device).list();
        });
    }

    @Override
    public boolean update(Device device) {
        return writes.inTransaction(handle -> {
            int rows = handle.createUpdate(
                            "UPDATE devices SET name = :name, type = :type, model = :model, firmware_version = :firmware, "
                                    + "location = :location, metadata = :metadata, tags = :tags, updated_at = :updatedAt, "
                                    + "based_on = :basedOn "
                                    + "WHERE device_id = :id")
                    .bind("id", device.id().value())
                    .bind("name", device.name())
                    .bind("type", device.type().wireName())
                    .bind("model", device.model())
                    .bind("firmware", device.firmwareVersion())
                    .bind("location", device.location())
                    .bind("metadata", Json.write(device.metadata()))
                    .bind("tags", Json.write(device.tags()))
                    .bind("updatedAt", device.updatedAt().toEpochMilli())
                    .bind("basedOn", millis(device.basedOn()))
                    .execute();
            if (rows == 0) {
                return false;
            }
            handle.createUpdate("DELETE FROM device_tags WHERE device_id = :id")
                    .bind("id", device.id().value())
                    .execute();
            insertTags(handle, device);
            return true;
        });
    }

    @Override
    public boolean setStatus(DeviceId id, DeviceStatus status) {
        return writes.inTransaction(
                        handle -> handle.createUpdate("UPDATE devices SET status = :status WHERE device_id = :id")
                                .bind("status", status.wireName())
                                .bind("id", id.value())
                                .execute())
                > 0;
    }

    @Override
    public boolean replaceSecret(DeviceId id, String secretHash, Instant at) {
        return writes.inTransaction(handle -> handle.createUpdate(
                                "UPDATE device_credentials SET secret_hash = :hash, created_at = :at "
                                        + "WHERE device_id = :id")
                        .bind("hash", secretHash)
                        .bind("at", at.toEpochMilli())
                        .bind("id", id.value())
                        .execute())
                > 0;
    }

    @Override
    public boolean delete(DeviceId id) {
        // Credentials, tags, shadows and commands go with the device (ON DELETE CASCADE); telemetry
        // is the telemetry store's, deleted by it when the registry tells it.
        return writes.inTransaction(handle -> handle.createUpdate("DELETE FROM devices WHERE device_id = :id")
                        .bind("id", id.value())
                        .execute()
                > 0);
    }

    @Override
    public void touchLastSeen(Map<DeviceId, Long> lastSeen) {
        if (lastSeen.isEmpty()) {
            return;
        }
        writes.useTransaction(handle -> {
            PreparedBatch batch = handle.prepareBatch(
                    "UPDATE devices SET last_seen = :at WHERE device_id = :id AND (last_seen IS NULL OR last_seen < :at)");
            lastSeen.forEach(
                    (id, at) -> batch.bind("id", id.value()).bind("at", at).add());
            batch.execute();
        });
    }

    private static void insertTags(Handle handle, Device device) {
        if (device.tags().isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("INSERT INTO device_tags (device_id, tag) VALUES (:id, :tag)");
        for (String tag : device.tags()) {
            batch.bind("id", device.id().value()).bind("tag", tag).add();
        }
        batch.execute();
    }

    private static String likeEscape(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    @Override
    public long count() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM devices")
                .mapTo(Long.class)
                .one());
    }

    @Override
    public void updatePresence(Map<DeviceId, DeviceStatus> statuses) {
        if (statuses.isEmpty()) {
            return;
        }
        writes.useTransaction(handle -> {
            PreparedBatch batch = handle.prepareBatch(
                    "UPDATE devices SET status = :status WHERE device_id = :id AND status NOT IN ('maintenance', 'error')");
            statuses.forEach((id, status) -> batch.bind("status", status.wireName())
                    .bind("id", id.value())
                    .add());
            batch.execute();
        });
    }

    @Override
    public Map<DeviceStatus, Map<DeviceType, Long>> countByStatusAndType() {
        Map<DeviceStatus, Map<DeviceType, Long>> counts = new EnumMap<>(DeviceStatus.class);
        jdbi.useHandle(handle -> handle.createQuery(
                        "SELECT status, type, COUNT(*) AS n FROM devices GROUP BY status, type")
                .map((rs, ctx) -> {
                    counts.computeIfAbsent(
                                    DeviceStatus.fromWire(rs.getString("status")), s -> new EnumMap<>(DeviceType.class))
                            .put(DeviceType.fromWire(rs.getString("type")), rs.getLong("n"));
                    return null;
                })
                .list());
        return counts;
    }

    @Override
    public void markAllOffline() {
        writes.useTransaction(
                handle -> handle.createUpdate("UPDATE devices SET status = 'offline' WHERE status = 'online'")
                        .execute());
    }

    private static Long millis(Instant at) {
        return at == null ? null : at.toEpochMilli();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
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
                Json.readSet(rs.getString("tags")),
                Instant.ofEpochMilli(rs.getLong("updated_at")),
                instant(rs, "based_on"),
                rs.getString("edge"));
    }
}
