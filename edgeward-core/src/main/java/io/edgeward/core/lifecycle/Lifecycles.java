package io.edgeward.core.lifecycle;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a node in the order they started, closed in reverse: the last to start depends on
 * the ones before it, so it stops first. Each close gets a bound; a part that does not stop within
 * it is reported and left behind, so that one stuck part never keeps the others (the store's
 * final flush among them) from stopping.
 */
public final class Lifecycles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Lifecycles.class);

    private record Started(String name, Lifecycle part, Duration bound) {}

    private final Deque<Started> started = new ArrayDeque<>();
    private final Duration defaultBound;

    public Lifecycles(Duration defaultBound) {
        this.defaultBound = defaultBound;
    }

    /** Starts {@code part} and records it for {@link #closeAll()}; returns it. */
    public <T extends Lifecycle> T start(String name, T part) {
        return start(name, part, defaultBound);
    }

    /** As {@link #start(String, Lifecycle)}, with a bound of its own for closing (a pipeline flushing its queue). */
    public synchronized <T extends Lifecycle> T start(String name, T part, Duration closeBound) {
        part.start();
        started.push(new Started(name, part, closeBound));
        return part;
    }

    /** Closes every started part, newest first, each within its bound. */
    public synchronized void closeAll() {
        while (!started.isEmpty()) {
            Started next = started.pop();
            Thread closing = Thread.ofPlatform()
                    .name("stop-" + next.name())
                    .daemon()
                    .start(() -> {
                        try {
                            next.part().close();
                        } catch (RuntimeException e) {
                            LOG.warn("Stopping {} failed: {}", next.name(), e.toString());
                        }
                    });
            try {
                if (!closing.join(next.bound())) {
                    LOG.warn("{} did not stop within {}; going on with the rest", next.name(), next.bound());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("Interrupted while stopping {}; going on with the rest", next.name());
            }
        }
    }

    public synchronized boolean isEmpty() {
        return started.isEmpty();
    }

    @Override
    public void close() {
        closeAll();
    }
}
