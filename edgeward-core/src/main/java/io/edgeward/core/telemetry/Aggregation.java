package io.edgeward.core.telemetry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How points in a time bucket are combined. {@code avg} (alias {@code mean}), {@code min},
 * {@code max}, {@code sum} and {@code stddev} (of the population, as the seed computes it) consider
 * numeric points only; {@code count}, {@code first} and {@code last} consider all, and
 * {@code count_true} counts the boolean points that are true.
 */
public enum Aggregation {
    AVG,
    MIN,
    MAX,
    COUNT,
    SUM,
    FIRST,
    LAST,
    STDDEV,
    COUNT_TRUE;

    private static final String EXPECTED = "avg (or mean), min, max, count, count_true, sum, stddev, first or last";

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Aggregation fromWire(String name) {
        if (name.equals("mean")) {
            return AVG;
        }
        for (Aggregation aggregation : values()) {
            if (aggregation.wireName().equals(name)) {
                return aggregation;
            }
        }
        throw new IllegalArgumentException("unknown aggregation '" + name + "': expected " + EXPECTED);
    }

    /** A comma list ({@code min,max,avg}), in its order, each once. */
    public static List<Aggregation> listFromWire(String names) {
        Set<Aggregation> aggregations = new LinkedHashSet<>();
        for (String name : names.split(",", -1)) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException(
                        "empty aggregation in '" + names + "': expected a comma list of " + EXPECTED);
            }
            aggregations.add(fromWire(trimmed));
        }
        return new ArrayList<>(aggregations);
    }
}
