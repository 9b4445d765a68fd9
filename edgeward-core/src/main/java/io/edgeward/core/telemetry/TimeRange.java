package io.edgeward.core.telemetry;

/** A half-open interval of epoch milliseconds: {@code from <= t < to}. */
public record TimeRange(long from, long to) {

    public TimeRange {
        if (to <= from) {
            throw new IllegalArgumentException("'to' must be after 'from'");
        }
    }

    public long millis() {
        return to - from;
    }
}
