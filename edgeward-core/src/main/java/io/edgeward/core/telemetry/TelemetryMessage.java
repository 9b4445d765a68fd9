package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import java.util.Objects;

/**
 * One message as received by a transport, not yet decoded.
 *
 * @param device the device the message is for (from the topic or path, already authorised)
 * @param deviceType its registered type, for metrics
 * @param arrivalMillis wall-clock arrival time; the timestamp of points that carry none
 * @param arrivalNanos monotonic arrival time, for the processing-latency histogram
 */
public record TelemetryMessage(
        DeviceId device,
        DeviceType deviceType,
        byte[] payload,
        PayloadFormat format,
        long arrivalMillis,
        long arrivalNanos) {

    public TelemetryMessage {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(deviceType, "deviceType");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(format, "format");
    }
}
