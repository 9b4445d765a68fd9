package io.edgeward.store.sql.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowRepository;
import io.edgeward.core.shadow.ShadowVersion;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;

/** Shadows and their history in SQL; the version column is the compare-and-set guard. */
public final class SqlShadowRepository implements ShadowRepository {

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlShadowRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public Optional<Shadow> find(DeviceId device) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT version, state, metadata, updated_at FROM shadows WHERE device_id = :id")
                .bind("id", device.value())
                .map((rs, ctx) -> shadow(device, rs))
                .findOne());
    }

    /**
     * One prepared statement per kind of write for the whole batch, not one per shadow: on SQLite
     * preparing costs more than executing. Each update still carries its own version check.
     */
    @Override
    public List<Boolean> saveAll(List<ShadowSave> saves) {
        return writes.inTransaction(handle -> {
            Boolean[] results = new Boolean[saves.size()];
            List<Integer> firsts = new ArrayList<>();
            List<Integer> updates = new ArrayList<>();
            for (int i = 0; i < saves.size(); i++) {
                (saves.get(i).next().version() == 1 ? firsts : updates).add(i);
            }
            if (!updates.isEmpty()) {
                PreparedBatch batch = handle.prepareBatch(
                        "UPDATE shadows SET version = :version, state = :state, metadata = :metadata, "
                                + "updated_at = :at WHERE device_id = :id AND version = :expected");
                for (int i : updates) {
                    Shadow next = saves.get(i).next();
                    bindRow(batch, next)
                            .bind("version", next.version())
                            .bind("expected", next.version() - 1)
                            .add();
                }
                int[] rows = batch.execute();
                for (int k = 0; k < updates.size(); k++) {
                    results[updates.get(k)] = rows[k] > 0;
                }
            }
            for (int i : firsts) {
                // First version: inserted only if no other writer created it.
                results[i] = bindRow(
                                        handle.createUpdate(
                                                "INSERT INTO shadows (device_id, version, state, metadata, updated_at) "
                                                        + "SELECT :id, 1, :state, :metadata, :at WHERE NOT EXISTS (SELECT 1 FROM shadows WHERE device_id = :id)"),
                                        saves.get(i).next())
                                .execute()
                        > 0;
            }
            PreparedBatch history =
                    handle.prepareBatch("INSERT INTO shadow_history (device_id, version, state, metadata, updated_at, "
                            + "changed_by, client_token) VALUES (:id, :version, :state, :metadata, :at, :by, :token)");
            PreparedBatch prune =
                    handle.prepareBatch("DELETE FROM shadow_history WHERE device_id = :id AND version <= :oldest");
            boolean any = false;
            for (int i = 0; i < saves.size(); i++) {
                if (results[i]) {
                    ShadowSave save = saves.get(i);
                    Shadow next = save.next();
                    bindRow(history, next)
                            .bind("version", next.version())
                            .bind("by", save.changedBy().wireName())
                            .bind("token", save.clientToken())
                            .add();
                    prune.bind("id", next.device().value())
                            .bind("oldest", next.version() - save.keepVersions())
                            .add();
                    any = true;
                }
            }
            if (any) {
                history.execute();
                prune.execute();
            }
            return Arrays.asList(results);
        });
    }

    private static <S extends SqlStatement<S>> S bindRow(S statement, Shadow next) {
        return statement
                .bind("id", next.device().value())
                .bind("state", next.state().toString())
                .bind("metadata", next.metadata().toString())
                .bind("at", next.timestamp());
    }

    @Override
    public List<ShadowVersion> history(DeviceId device, long beforeVersion, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT version, state, metadata, updated_at, changed_by, client_token "
                                + "FROM shadow_history WHERE device_id = :id AND version < :before ORDER BY version DESC LIMIT :limit")
                .bind("id", device.value())
                .bind("before", beforeVersion)
                .bind("limit", limit)
                .map((rs, ctx) -> new ShadowVersion(
                        shadow(device, rs),
                        ChangedBy.fromWire(rs.getString("changed_by")),
                        rs.getString("client_token")))
                .list());
    }

    private static Shadow shadow(DeviceId device, ResultSet rs) throws SQLException {
        ObjectNode state = Json.readObject(rs.getString("state"));
        ObjectNode metadata = Json.readObject(rs.getString("metadata"));
        return new Shadow(
                device,
                (ObjectNode) state.get("desired"),
                (ObjectNode) state.get("reported"),
                (ObjectNode) metadata.get("desired"),
                (ObjectNode) metadata.get("reported"),
                rs.getLong("version"),
                rs.getLong("updated_at"));
    }
}
