package io.edgeward.core.lifecycle;

/**
 * The contract of every part that owns threads or sockets. Constructing one allocates nothing that
 * runs: {@link #start()} opens its sockets and starts its threads, {@link #close()} stops them.
 * The composition root starts parts in dependency order and closes them in reverse, each within a
 * bound (see {@code io.edgeward.server.Lifecycles}).
 */
public interface Lifecycle extends AutoCloseable {

    /** Starts the part's threads and sockets; called once, before any other use that needs them. */
    void start();

    /**
     * Stops the part after finishing what it has accepted, within a bound of its own; idempotent,
     * and safe on a part that never started. Never throws a checked exception.
     */
    @Override
    void close();
}
