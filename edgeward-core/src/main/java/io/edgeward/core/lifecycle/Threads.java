package io.edgeward.core.lifecycle;

import java.util.concurrent.ThreadFactory;

/**
 * Where parts get their threads: the composition root makes one and hands it to every part, so
 * that threads are named after the node and the part ({@code edgeward-presence}) in thread dumps
 * and JFR recordings, and a test can run two nodes in one JVM and tell their threads apart.
 */
public final class Threads {

    private final String prefix;

    private Threads(String prefix) {
        this.prefix = prefix;
    }

    /** Threads named {@code prefix-<part>}. */
    public static Threads named(String prefix) {
        return new Threads(prefix);
    }

    /** Daemon platform threads for a part's own loop or scheduler: they do not keep the JVM alive. */
    public ThreadFactory platform(String part) {
        return Thread.ofPlatform().name(prefix + "-" + part).daemon().factory();
    }

    /**
     * A platform thread that keeps the JVM alive while it runs: for a writer whose last commit
     * must finish even when {@code main} has returned.
     */
    public ThreadFactory nonDaemon(String part) {
        return Thread.ofPlatform().name(prefix + "-" + part).daemon(false).factory();
    }

    /** Virtual threads for blocking work per request or per device, numbered. */
    public ThreadFactory virtual(String part) {
        return Thread.ofVirtual().name(prefix + "-" + part + "-", 0).factory();
    }
}
