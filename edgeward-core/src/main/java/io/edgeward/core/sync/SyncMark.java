package io.edgeward.core.sync;

import java.util.Objects;

/**
 * At the receiving node: the newest segment of an edge's stream that it has stored. It is written
 * in the commit that stores the segment's points, so the two are never apart.
 *
 * @param segmentAt when the edge committed that segment, epoch milliseconds
 */
public record SyncMark(String edgeId, Priority stream, long seq, long segmentAt) {

    public SyncMark {
        Objects.requireNonNull(edgeId, "edgeId");
        Objects.requireNonNull(stream, "stream");
        stream.code();
    }
}
