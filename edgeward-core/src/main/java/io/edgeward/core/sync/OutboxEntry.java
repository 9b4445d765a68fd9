package io.edgeward.core.sync;

/**
 * A stored outbox row.
 *
 * @param seq its position, assigned by the store, never reused, increasing along every stream
 * @param createdAt when it was committed, epoch milliseconds
 */
public record OutboxEntry(long seq, Priority priority, long createdAt, int records, byte[] payload) {}
