package io.edgeward.core.sync;

/**
 * At a receiving node: something an edge reported that is not telemetry (an alarm raised or
 * cleared there, an outbox eviction), kept as the edge sent it.
 *
 * @param device the device it concerns, or null
 * @param at when it happened at the edge, epoch milliseconds
 * @param json the edge's document
 */
public record EdgeEvent(String edgeId, String kind, String device, long at, String json) {}
