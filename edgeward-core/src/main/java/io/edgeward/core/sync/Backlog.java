package io.edgeward.core.sync;

/**
 * What waits in one stream of the outbox.
 *
 * @param oldestAt when its oldest row was committed, epoch milliseconds; 0 when empty
 */
public record Backlog(Priority stream, long rows, long records, long bytes, long oldestAt) {

    public static Backlog empty(Priority stream) {
        return new Backlog(stream, 0, 0, 0, 0);
    }
}
