package io.edgeward.core.sync;

/** A change of an edge's configuration made to a version that is no longer the stored one. */
public final class EdgeConfigConflictException extends RuntimeException {

    private final long current;

    public EdgeConfigConflictException(String edgeId, long expected, long current) {
        super("the configuration of edge '" + edgeId + "' is at version " + current + ", not " + expected
                + ": read it again and retry");
        this.current = current;
    }

    public long current() {
        return current;
    }
}
