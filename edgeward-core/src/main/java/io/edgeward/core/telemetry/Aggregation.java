package io.edgeward.core.telemetry;

import java.util.Locale;

/**
 * How points in a time bucket are combined. {@code avg}, {@code min}, {@code max} and {@code sum}
 * consider numeric points only; {@code count}, {@code first} and {@code last} consider all.
 */
public enum Aggregation {
    AVG,
    MIN,
    MAX,
    COUNT,
    SUM,
    FIRST,
    LAST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Aggregation fromWire(String name) {
        for (Aggregation aggregation : values()) {
            if (aggregation.wireName().equals(name)) {
                return aggregation;
            }
        }
        throw new IllegalArgumentException(
                "unknown aggregation '" + name + "': expected avg, min, max, count, sum, first or last");
    }
}
