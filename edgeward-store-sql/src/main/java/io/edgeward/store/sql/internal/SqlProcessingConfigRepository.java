package io.edgeward.store.sql.internal;

import io.edgeward.core.processing.ProcessingConfigRepository;
import io.edgeward.core.processing.ProcessingVersion;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Every version of the processing configuration; the version number is the primary key, so two writers of one version cannot both win. */
public final class SqlProcessingConfigRepository implements ProcessingConfigRepository {

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlProcessingConfigRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public Optional<ProcessingVersion> latest() {
        return history(1).stream().findFirst();
    }

    @Override
    public Optional<ProcessingVersion> latestBy(String author) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT version, document, author, created_at "
                        + "FROM processing_config WHERE author = :a ORDER BY version DESC LIMIT 1")
                .bind("a", author)
                .map((rs, ctx) -> version(rs))
                .findOne());
    }

    @Override
    public List<ProcessingVersion> history(int limit) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT version, document, author, created_at FROM processing_config ORDER BY version DESC LIMIT :n")
                .bind("n", limit)
                .map((rs, ctx) -> version(rs))
                .list());
    }

    private static ProcessingVersion version(ResultSet rs) throws SQLException {
        return new ProcessingVersion(
                rs.getLong("version"),
                rs.getString("document"),
                rs.getString("author"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    @Override
    public boolean append(ProcessingVersion version) {
        return writes.inTransaction(handle -> {
            long newest = handle.createQuery("SELECT COALESCE(MAX(version), 0) FROM processing_config")
                    .mapTo(Long.class)
                    .one();
            if (newest != version.version() - 1) {
                return false;
            }
            // ON CONFLICT: another node may insert the same version between the read and the insert.
            return handle.createUpdate("INSERT INTO processing_config (version, document, author, created_at) "
                                    + "VALUES (:v, :d, :a, :t) ON CONFLICT (version) DO NOTHING")
                            .bind("v", version.version())
                            .bind("d", version.document())
                            .bind("a", version.author())
                            .bind("t", version.createdAt().toEpochMilli())
                            .execute()
                    == 1;
        });
    }
}
