package io.edgeward.core.sync;

/**
 * At the receiving node: how far it has stored an edge's stream.
 *
 * @param seq the newest segment stored
 * @param segmentAt when the edge committed that segment, epoch milliseconds (its lag is now minus this)
 * @param updatedAt when it arrived here
 */
public record EdgeMark(String edgeId, Priority stream, long seq, long segmentAt, long updatedAt) {}
