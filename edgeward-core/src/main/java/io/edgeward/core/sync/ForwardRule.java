package io.edgeward.core.sync;

import io.edgeward.core.device.Device;
import io.edgeward.core.telemetry.SeriesSelector;
import java.util.Objects;

/**
 * One entry of {@code sync.forward.overrides}: the series it selects go to this stream ({@link
 * Priority#NONE}: not forwarded). The first entry that selects a series wins.
 */
public record ForwardRule(SeriesSelector match, Priority priority) {

    public ForwardRule {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(priority, "priority");
    }

    public boolean matches(Device device, String metric) {
        return match.matches(device, metric);
    }

    /** True when it needs the device's record (type, tags, id), not only the metric. */
    boolean needsDevice() {
        return match.device() != null || match.type() != null || match.tag() != null;
    }
}
