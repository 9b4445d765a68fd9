package io.edgeward.core.telemetry;

/**
 * One time bucket of an aggregated series.
 *
 * @param start epoch milliseconds of the bucket's start
 * @param value the aggregate; {@code null} when the bucket had points but none numeric (avg of strings)
 * @param count how many points fell into the bucket
 */
public record Bucket(long start, Value value, long count) {}
