package io.edgeward.core.sync;

/** An outbox row the other side refused: kept aside with the reason, so it blocks nothing behind it. */
public record ParkedEntry(long seq, Priority stream, long createdAt, int records, long parkedAt, String reason) {}
