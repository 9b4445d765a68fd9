package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.util.Objects;

/** One series: a metric of a device. */
public record SeriesKey(DeviceId device, String metric) {

    public SeriesKey {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(metric, "metric");
    }
}
