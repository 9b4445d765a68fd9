package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Value;
import java.time.Instant;
import java.util.Objects;

/**
 * An alarm: one open (not cleared) per rule and device. A rule that fires again while it is open
 * updates it ({@code count}, the last value and time, an escalated severity) instead of raising
 * another.
 *
 * @param firingId the firing that raised it
 * @param lastValue the value of the last point that fired it; null for a rule fired by a duration
 * @param lastTime that point's time, or the time the duration ran out
 */
public record Alarm(
        String id,
        String ruleId,
        DeviceId device,
        Severity severity,
        AlarmStatus status,
        String message,
        long count,
        String firingId,
        Value lastValue,
        Instant lastTime,
        Instant createdAt,
        Instant updatedAt,
        Instant acknowledgedAt,
        String acknowledgedBy,
        Instant clearedAt,
        String clearedBy) {

    public Alarm {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(status, "status");
    }
}
