package io.edgeward.store.sql.internal;

import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareConflictException;
import io.edgeward.core.ota.FirmwareDelta;
import io.edgeward.core.ota.FirmwareRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Firmware releases; the (model, version) key refuses a second release of a version, on every node. */
public final class SqlFirmwareRepository implements FirmwareRepository {

    private static final String COLUMNS = "id, model, version, min_version, filename, size, sha256, release_notes, "
            + "metadata, vendor_signature, manifest, signature, created_at";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlFirmwareRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public void insert(Firmware firmware) {
        try {
            writes.useTransaction(handle -> handle.createUpdate("INSERT INTO firmware (" + COLUMNS + ") VALUES (:id, "
                            + ":model, :version, :min, :filename, :size, :sha, :notes, :metadata, :vendor, :manifest, "
                            + ":signature, :created)")
                    .bind("id", firmware.id())
                    .bind("model", firmware.model())
                    .bind("version", firmware.version())
                    .bind("min", firmware.minVersion())
                    .bind("filename", firmware.filename())
                    .bind("size", firmware.size())
                    .bind("sha", firmware.sha256())
                    .bind("notes", firmware.releaseNotes())
                    .bind("metadata", Json.write(firmware.metadata()))
                    .bind("vendor", firmware.vendorSignature())
                    .bind("manifest", firmware.manifest())
                    .bind("signature", firmware.signature())
                    .bind("created", firmware.createdAt().toEpochMilli())
                    .execute());
        } catch (RuntimeException e) {
            if (list(firmware.model()).stream().anyMatch(f -> f.version().equals(firmware.version()))) {
                throw new FirmwareConflictException(firmware.model(), firmware.version());
            }
            throw e;
        }
    }

    @Override
    public Optional<Firmware> find(String id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + " FROM firmware WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> firmware(rs))
                .findOne());
    }

    @Override
    public List<Firmware> list(String model) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery("SELECT " + COLUMNS + " FROM firmware"
                    + (model == null ? "" : " WHERE model = :model") + " ORDER BY created_at DESC, id DESC");
            if (model != null) {
                query.bind("model", model);
            }
            return query.map((rs, ctx) -> firmware(rs)).list();
        });
    }

    @Override
    public boolean imageShared(String sha256, String exceptId) {
        return jdbi.withHandle(
                        handle -> handle.createQuery("SELECT COUNT(*) FROM firmware WHERE sha256 = :sha AND id <> :id")
                                .bind("sha", sha256)
                                .bind("id", exceptId)
                                .mapTo(Long.class)
                                .one())
                > 0;
    }

    @Override
    public boolean delete(String id) {
        return writes.inTransaction(handle -> handle.createUpdate("DELETE FROM firmware WHERE id = :id")
                        .bind("id", id)
                        .execute())
                > 0;
    }

    private static final String DELTA = "id, firmware_id, base_id, base_version, base_sha256, format, size, sha256, "
            + "manifest, signature, created_at";

    @Override
    public void insertDelta(FirmwareDelta delta) {
        writes.useTransaction(handle -> handle.createUpdate(
                        "INSERT INTO firmware_deltas (" + DELTA + ") VALUES (:id, "
                                + ":firmware, :base, :baseVersion, :baseSha, :format, :size, :sha, :manifest, :signature, :created)")
                .bind("id", delta.id())
                .bind("firmware", delta.firmwareId())
                .bind("base", delta.baseId())
                .bind("baseVersion", delta.baseVersion())
                .bind("baseSha", delta.baseSha256())
                .bind("format", delta.format())
                .bind("size", delta.size())
                .bind("sha", delta.sha256())
                .bind("manifest", delta.manifest())
                .bind("signature", delta.signature())
                .bind("created", delta.createdAt().toEpochMilli())
                .execute());
    }

    @Override
    public List<FirmwareDelta> deltas(String firmwareId) {
        return deltasWhere("firmware_id", firmwareId);
    }

    @Override
    public List<FirmwareDelta> deltasFrom(String baseId) {
        return deltasWhere("base_id", baseId);
    }

    private List<FirmwareDelta> deltasWhere(String column, String id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + DELTA + " FROM firmware_deltas WHERE " + column
                        + " = :id ORDER BY created_at DESC, id DESC")
                .bind("id", id)
                .map((rs, ctx) -> new FirmwareDelta(
                        rs.getString("id"),
                        rs.getString("firmware_id"),
                        rs.getString("base_id"),
                        rs.getString("base_version"),
                        rs.getString("base_sha256"),
                        rs.getString("format"),
                        rs.getLong("size"),
                        rs.getString("sha256"),
                        rs.getString("manifest"),
                        rs.getString("signature"),
                        Instant.ofEpochMilli(rs.getLong("created_at"))))
                .list());
    }

    @Override
    public boolean deltaShared(String sha256, String exceptId) {
        return jdbi.withHandle(handle -> handle.createQuery(
                                "SELECT COUNT(*) FROM firmware_deltas WHERE sha256 = :sha AND id <> :id")
                        .bind("sha", sha256)
                        .bind("id", exceptId)
                        .mapTo(Long.class)
                        .one())
                > 0;
    }

    private static Firmware firmware(ResultSet rs) throws SQLException {
        Map<String, String> metadata = new LinkedHashMap<>();
        Json.readMap(rs.getString("metadata")).forEach((k, v) -> metadata.put(k, String.valueOf(v)));
        return new Firmware(
                rs.getString("id"),
                rs.getString("model"),
                rs.getString("version"),
                rs.getString("min_version"),
                rs.getString("filename"),
                rs.getLong("size"),
                rs.getString("sha256"),
                rs.getString("release_notes"),
                metadata,
                rs.getString("vendor_signature"),
                rs.getString("manifest"),
                rs.getString("signature"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
