package io.edgeward.store.sql.internal;

import io.edgeward.core.sync.EdgeConfig;
import io.edgeward.core.sync.EdgeConfigConflictException;
import io.edgeward.core.sync.EdgeConfigRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Edge configurations in SQL ({@code sync_edge_configs}). */
public final class SqlEdgeConfigs implements EdgeConfigRepository {

    private static final String COLUMNS = "edge_id, version, document, author, updated_at, applied_version, "
            + "applied_status, applied_at, applied_detail";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlEdgeConfigs(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public Optional<EdgeConfig> find(String edgeId) {
        return jdbi.withHandle(handle -> find(handle, edgeId));
    }

    private static Optional<EdgeConfig> find(Handle handle, String edgeId) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM sync_edge_configs WHERE edge_id = :e")
                .bind("e", edgeId)
                .map(SqlEdgeConfigs::config)
                .findOne();
    }

    @Override
    public List<EdgeConfig> list() {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + COLUMNS + " FROM sync_edge_configs ORDER BY edge_id")
                        .map(SqlEdgeConfigs::config)
                        .list());
    }

    @Override
    public EdgeConfig save(String edgeId, String document, Long expectedVersion, String author, Instant at) {
        return writes.inTransaction(handle -> {
            long current = find(handle, edgeId).map(EdgeConfig::version).orElse(0L);
            if (expectedVersion != null && expectedVersion != current) {
                throw new EdgeConfigConflictException(edgeId, expectedVersion, current);
            }
            // The conditions on the version make a concurrent save by another node sharing the store fail
            // here rather than overwrite.
            int rows = current == 0
                    ? handle.createUpdate(
                                    "INSERT INTO sync_edge_configs (edge_id, version, document, author, updated_at)"
                                            + " VALUES (:e, 1, :d, :a, :at) ON CONFLICT (edge_id) DO NOTHING")
                            .bind("e", edgeId)
                            .bind("d", document)
                            .bind("a", author)
                            .bind("at", at.toEpochMilli())
                            .execute()
                    : handle.createUpdate("UPDATE sync_edge_configs SET version = version + 1, document = :d,"
                                    + " author = :a, updated_at = :at WHERE edge_id = :e AND version = :v")
                            .bind("e", edgeId)
                            .bind("d", document)
                            .bind("a", author)
                            .bind("at", at.toEpochMilli())
                            .bind("v", current)
                            .execute();
            if (rows == 0) {
                throw new EdgeConfigConflictException(
                        edgeId,
                        current,
                        find(handle, edgeId).map(EdgeConfig::version).orElse(0L));
            }
            return find(handle, edgeId).orElseThrow();
        });
    }

    @Override
    public void keepApplied(String edgeId, long version, String document, EdgeConfig.Applied applied) {
        writes.useTransaction(handle -> {
            handle.createUpdate("INSERT INTO sync_edge_configs (edge_id, version, document, author, updated_at)"
                            + " VALUES (:e, :v, :d, 'cloud', :at) ON CONFLICT (edge_id) DO UPDATE SET"
                            + " version = excluded.version, document = excluded.document, updated_at = excluded.updated_at"
                            + " WHERE sync_edge_configs.version <= excluded.version")
                    .bind("e", edgeId)
                    .bind("v", version)
                    .bind("d", document)
                    .bind("at", applied.at().toEpochMilli())
                    .execute();
            applied(handle, edgeId, applied);
        });
    }

    @Override
    public void applied(String edgeId, EdgeConfig.Applied applied) {
        writes.useTransaction(handle -> applied(handle, edgeId, applied));
    }

    private static void applied(Handle handle, String edgeId, EdgeConfig.Applied applied) {
        handle.createUpdate(
                        "UPDATE sync_edge_configs SET applied_version = :v, applied_status = :s, applied_at = :at,"
                                + " applied_detail = :d WHERE edge_id = :e AND (applied_version IS NULL OR applied_version <= :v)")
                .bind("e", edgeId)
                .bind("v", applied.version())
                .bind("s", applied.status())
                .bind("at", applied.at().toEpochMilli())
                .bind("d", applied.detail())
                .execute();
    }

    private static EdgeConfig config(ResultSet rs, StatementContext ctx) throws SQLException {
        long appliedVersion = rs.getLong("applied_version");
        EdgeConfig.Applied applied = rs.wasNull()
                ? null
                : new EdgeConfig.Applied(
                        appliedVersion,
                        rs.getString("applied_status"),
                        Instant.ofEpochMilli(rs.getLong("applied_at")),
                        rs.getString("applied_detail"));
        return new EdgeConfig(
                rs.getString("edge_id"),
                rs.getLong("version"),
                rs.getString("document"),
                rs.getString("author"),
                Instant.ofEpochMilli(rs.getLong("updated_at")),
                applied);
    }
}
