package io.edgeward.store.sql.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowRepository;
import io.edgeward.core.shadow.ShadowVersion;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Shadows and their history in SQL; the version column is the compare-and-set guard. */
public final class SqlShadowRepository implements ShadowRepository {

    private final Jdbi jdbi;

    public SqlShadowRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Optional<Shadow> find(DeviceId device) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT version, state, metadata, updated_at FROM shadows WHERE device_id = :id")
                .bind("id", device.value())
                .map((rs, ctx) -> shadow(device, rs))
                .findOne());
    }

    @Override
    public boolean save(Shadow next, ChangedBy changedBy, String clientToken, int keepVersions) {
        String device = next.device().value();
        String state = next.state().toString();
        String metadata = next.metadata().toString();
        return jdbi.inTransaction(handle -> {
            int rows;
            if (next.version() == 1) {
                // First version: the insert fails on the primary key if another writer created it.
                rows = handle.createUpdate("INSERT INTO shadows (device_id, version, state, metadata, updated_at) "
                                + "SELECT :id, 1, :state, :metadata, :at WHERE NOT EXISTS (SELECT 1 FROM shadows WHERE device_id = :id)")
                        .bind("id", device).bind("state", state).bind("metadata", metadata).bind("at", next.timestamp())
                        .execute();
            } else {
                rows = handle.createUpdate("UPDATE shadows SET version = :version, state = :state, metadata = :metadata, "
                                + "updated_at = :at WHERE device_id = :id AND version = :expected")
                        .bind("id", device).bind("version", next.version()).bind("expected", next.version() - 1)
                        .bind("state", state).bind("metadata", metadata).bind("at", next.timestamp())
                        .execute();
            }
            if (rows == 0) {
                return false;
            }
            handle.createUpdate("INSERT INTO shadow_history (device_id, version, state, metadata, updated_at, changed_by, client_token) "
                            + "VALUES (:id, :version, :state, :metadata, :at, :by, :token)")
                    .bind("id", device).bind("version", next.version()).bind("state", state).bind("metadata", metadata)
                    .bind("at", next.timestamp()).bind("by", changedBy.wireName()).bind("token", clientToken)
                    .execute();
            handle.createUpdate("DELETE FROM shadow_history WHERE device_id = :id AND version <= :oldest")
                    .bind("id", device).bind("oldest", next.version() - keepVersions)
                    .execute();
            return true;
        });
    }

    @Override
    public List<ShadowVersion> history(DeviceId device, long beforeVersion, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT version, state, metadata, updated_at, changed_by, client_token "
                        + "FROM shadow_history WHERE device_id = :id AND version < :before ORDER BY version DESC LIMIT :limit")
                .bind("id", device.value())
                .bind("before", beforeVersion)
                .bind("limit", limit)
                .map((rs, ctx) -> new ShadowVersion(shadow(device, rs), ChangedBy.fromWire(rs.getString("changed_by")),
                        rs.getString("client_token")))
                .list());
    }

    private static Shadow shadow(DeviceId device, ResultSet rs) throws SQLException {
        ObjectNode state = Json.readObject(rs.getString("state"));
        ObjectNode metadata = Json.readObject(rs.getString("metadata"));
        return new Shadow(device, (ObjectNode) state.get("desired"), (ObjectNode) state.get("reported"),
                (ObjectNode) metadata.get("desired"), (ObjectNode) metadata.get("reported"), rs.getLong("version"),
                rs.getLong("updated_at"));
    }
}
