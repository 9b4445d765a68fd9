package io.edgeward.core.rules;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Rules and every version of each (a port; the store implements it). */
public interface RuleRepository {

    List<StoredRule> list();

    Optional<StoredRule> find(String id);

    /**
     * Creates or replaces the rule as its next version.
     *
     * @param expectedVersion the version the caller read (0: the rule must not exist); null to
     *     save whatever is there
     * @throws RuleConflictException when {@code expectedVersion} is not the version in force
     */
    StoredRule save(String id, String document, Long expectedVersion, String author, Instant at);

    /**
     * Deletes the rule, recording a version without a document.
     *
     * @throws RuleNotFoundException when there is no such rule
     * @throws RuleConflictException when {@code expectedVersion} (if given) is not the version in force
     */
    void delete(String id, Long expectedVersion, String author, Instant at);

    /** Every version of the rule, newest first, deletions included. */
    List<RuleVersion> history(String id);

    /** The newest version {@code author} saved, deletions included. */
    Optional<RuleVersion> latestBy(String id, String author);
}
