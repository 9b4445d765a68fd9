package io.edgeward.core.processing;

import java.util.List;
import java.util.Optional;

/** Port: every version of the processing configuration, newest last. */
public interface ProcessingConfigRepository {

    Optional<ProcessingVersion> latest();

    /** The newest version {@code author} made. */
    Optional<ProcessingVersion> latestBy(String author);

    /** The newest {@code limit} versions, newest first. */
    List<ProcessingVersion> history(int limit);

    /**
     * Stores {@code version} if the newest stored version is {@code version - 1} (0 when none is).
     *
     * @return false when another version got there first
     */
    boolean append(ProcessingVersion version);
}
