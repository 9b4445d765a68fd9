package io.edgeward.core.rules;

import java.time.Duration;
import java.util.Locale;

/**
 * A windowed aggregate a condition calls, such as {@code avg('temperature', '5m')}: over the
 * device's points of {@code metric} whose time is within {@code window} of the point being
 * evaluated (the window ends at that point, including it).
 */
public record Aggregate(Function function, String metric, Duration window) {

    public enum Function {
        AVG,
        MIN,
        MAX,
        COUNT,
        STDDEV,
        /** Change per second between the window's first and last point. */
        RATE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
