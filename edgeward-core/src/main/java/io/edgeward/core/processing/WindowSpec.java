package io.edgeward.core.processing;

import io.edgeward.core.telemetry.SeriesSelector;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A configured event-time window: tumbling when {@code slide} equals {@code size}, sliding when it
 * is shorter (it must divide the size). A window closes when its device's watermark (the newest
 * event time seen from the device minus {@code lateness}) passes its end.
 */
public record WindowSpec(
        String name,
        SeriesSelector match,
        Duration size,
        Duration slide,
        List<WindowFunction> functions,
        Duration lateness) {

    public WindowSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        functions = List.copyOf(functions);
        if (functions.isEmpty()) {
            throw new IllegalArgumentException(
                    "functions must name at least one of mean, min, max, sum, count, " + "stddev, first, last");
        }
        if (size.toMillis() < 1000) {
            throw new IllegalArgumentException("size must be at least 1s");
        }
        if (slide.toMillis() < 1000 || slide.compareTo(size) > 0 || size.toMillis() % slide.toMillis() != 0) {
            throw new IllegalArgumentException("slide must be at least 1s and divide the size");
        }
        if (size.toMillis() / slide.toMillis() > 1000) {
            throw new IllegalArgumentException("a point may fall in at most 1000 windows (size / slide)");
        }
        if (lateness.isNegative() || lateness.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("allowed-lateness must be between 0 and 1h");
        }
    }

    /**
     * The metric a function's results are stored under: {@code name.function} when the window names
     * one metric, {@code name.metric.function} when it matches several.
     */
    public String derivedMetric(String metric, WindowFunction function) {
        return match.namesOneMetric()
                ? name + "." + function.wireName()
                : name + "." + metric + "." + function.wireName();
    }
}
