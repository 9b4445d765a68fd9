package io.edgeward.core.processing;

import java.util.Locale;

/** What a window computes over its numbers; each becomes a derived metric ({@code vibration_1m.mean}). */
public enum WindowFunction {
    MEAN,
    MIN,
    MAX,
    SUM,
    COUNT,
    /** Population standard deviation, as the seed's DataAggregator computes it. */
    STDDEV,
    FIRST,
    LAST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WindowFunction fromWire(String name) {
        for (WindowFunction function : values()) {
            if (function.wireName().equals(name)) {
                return function;
            }
        }
        throw new IllegalArgumentException(
                "unknown function '" + name + "' (expected mean, min, max, sum, count, " + "stddev, first, last)");
    }
}
