package io.edgeward.store.sql.internal;

import io.edgeward.core.rules.RuleConflictException;
import io.edgeward.core.rules.RuleNotFoundException;
import io.edgeward.core.rules.RuleRepository;
import io.edgeward.core.rules.RuleVersion;
import io.edgeward.core.rules.StoredRule;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Rules and their versions. A version number is part of {@code rule_versions}' key, so of two
 * nodes saving the same rule at once one fails instead of both winning.
 */
public final class SqlRuleRepository implements RuleRepository {

    private static final String VERSION_COLUMNS = "rule_id, version, document, author, created_at";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlRuleRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public List<StoredRule> list() {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT id, document, version, author, updated_at FROM rules ORDER BY id")
                        .map((rs, ctx) -> stored(rs))
                        .list());
    }

    @Override
    public Optional<StoredRule> find(String id) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT id, document, version, author, updated_at FROM rules WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> stored(rs))
                .findOne());
    }

    @Override
    public StoredRule save(String id, String document, Long expectedVersion, String author, Instant at) {
        return writes.inTransaction(handle -> {
            long current = current(handle, id);
            if (expectedVersion != null && expectedVersion != current) {
                throw new RuleConflictException(id, expectedVersion, current);
            }
            long next = nextVersion(handle, id);
            handle.createUpdate(
                            "INSERT INTO rules (id, document, version, author, updated_at) VALUES (:id, :d, :v, :a, :t) "
                                    + "ON CONFLICT (id) DO UPDATE SET document = excluded.document, version = excluded.version, "
                                    + "author = excluded.author, updated_at = excluded.updated_at")
                    .bind("id", id)
                    .bind("d", document)
                    .bind("v", next)
                    .bind("a", author)
                    .bind("t", at.toEpochMilli())
                    .execute();
            appendVersion(handle, id, next, document, author, at);
            return new StoredRule(id, document, next, author, at);
        });
    }

    @Override
    public void delete(String id, Long expectedVersion, String author, Instant at) {
        writes.useTransaction(handle -> {
            long current = current(handle, id);
            if (current == 0) {
                throw new RuleNotFoundException(id);
            }
            if (expectedVersion != null && expectedVersion != current) {
                throw new RuleConflictException(id, expectedVersion, current);
            }
            handle.createUpdate("DELETE FROM rules WHERE id = :id")
                    .bind("id", id)
                    .execute();
            appendVersion(handle, id, nextVersion(handle, id), null, author, at);
        });
    }

    @Override
    public List<RuleVersion> history(String id) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + VERSION_COLUMNS + " FROM rule_versions WHERE rule_id = :id ORDER BY version DESC")
                .bind("id", id)
                .map((rs, ctx) -> version(rs))
                .list());
    }

    @Override
    public Optional<RuleVersion> latestBy(String id, String author) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + VERSION_COLUMNS
                        + " FROM rule_versions WHERE rule_id = :id AND author = :a ORDER BY version DESC LIMIT 1")
                .bind("id", id)
                .bind("a", author)
                .map((rs, ctx) -> version(rs))
                .findOne());
    }

    private static long current(Handle handle, String id) {
        return handle.createQuery("SELECT version FROM rules WHERE id = :id")
                .bind("id", id)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L);
    }

    /** Numbers keep counting across a deletion: version N of a rule is always the same document. */
    private static long nextVersion(Handle handle, String id) {
        return handle.createQuery("SELECT COALESCE(MAX(version), 0) + 1 FROM rule_versions WHERE rule_id = :id")
                .bind("id", id)
                .mapTo(Long.class)
                .one();
    }

    private static void appendVersion(
            Handle handle, String id, long version, String document, String author, Instant at) {
        handle.createUpdate("INSERT INTO rule_versions (" + VERSION_COLUMNS + ") VALUES (:id, :v, :d, :a, :t)")
                .bind("id", id)
                .bind("v", version)
                .bind("d", document)
                .bind("a", author)
                .bind("t", at.toEpochMilli())
                .execute();
    }

    private static StoredRule stored(ResultSet rs) throws SQLException {
        return new StoredRule(
                rs.getString("id"),
                rs.getString("document"),
                rs.getLong("version"),
                rs.getString("author"),
                Instant.ofEpochMilli(rs.getLong("updated_at")));
    }

    private static RuleVersion version(ResultSet rs) throws SQLException {
        return new RuleVersion(
                rs.getString("rule_id"),
                rs.getLong("version"),
                rs.getString("document"),
                rs.getString("author"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
