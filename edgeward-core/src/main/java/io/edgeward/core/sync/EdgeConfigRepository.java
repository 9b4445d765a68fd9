package io.edgeward.core.sync;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Port: the edge configurations a node receiving edges keeps (and an edge's own applied one). */
public interface EdgeConfigRepository {

    Optional<EdgeConfig> find(String edgeId);

    List<EdgeConfig> list();

    /**
     * Stores the next version of the edge's configuration.
     *
     * @param expectedVersion the version the change was made to (0: none yet); null for whatever is there
     * @throws EdgeConfigConflictException when {@code expectedVersion} is not the stored version
     */
    EdgeConfig save(String edgeId, String document, Long expectedVersion, String author, Instant at);

    /**
     * At an edge: stores the configuration it applied as the node sent it, at the node's version
     * (which only moves forward), and the outcome.
     */
    void keepApplied(String edgeId, long version, String document, EdgeConfig.Applied applied);

    /** Records the edge's report of applying a version; an older report than the one kept is ignored. */
    void applied(String edgeId, EdgeConfig.Applied applied);
}
