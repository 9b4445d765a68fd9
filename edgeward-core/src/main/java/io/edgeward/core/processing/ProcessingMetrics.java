package io.edgeward.core.processing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The stage's counters, one per filter or window name, registered at first use. */
final class ProcessingMetrics {

    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    ProcessingMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    Counter filtered(String filter) {
        return counter("edgeward.processing.filtered", "filter", filter, "Points a filter did not pass");
    }

    Counter passed(String filter) {
        return counter("edgeward.processing.passed", "filter", filter, "Points a filter passed to the reduced stream");
    }

    Counter windows(String window) {
        return counter(
                "edgeward.processing.windows.closed", "window", window, "Windows closed, each giving derived points");
    }

    Counter late(String window) {
        return counter(
                "edgeward.processing.late.points",
                "window",
                window,
                "Points that arrived after their windows had closed (stored and rolled up, not in the window)");
    }

    private Counter counter(String name, String tag, String value, String description) {
        return counters.computeIfAbsent(
                name + "\u0000" + value,
                k -> Counter.builder(name)
                        .description(description)
                        .tag(tag, value)
                        .register(meters));
    }
}
