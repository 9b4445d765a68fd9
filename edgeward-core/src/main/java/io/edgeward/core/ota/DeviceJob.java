package io.edgeward.core.ota;

import io.edgeward.core.device.DeviceId;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * One device's part of a rollout.
 *
 * @param fromVersion the version the device ran when the job was made
 * @param progress percent, 0 to 100
 * @param reason why it failed, rolled back or was canceled (the device's words, truncated)
 * @param offeredAt when its wave started; null while scheduled
 * @param deadline when a silent device's job fails; null while scheduled or over
 * @param steps when the job entered each state it went through
 */
public record DeviceJob(
        String id,
        String rolloutId,
        DeviceId device,
        int wave,
        JobStatus status,
        int progress,
        String reason,
        String fromVersion,
        Instant offeredAt,
        Instant updatedAt,
        Instant deadline,
        Map<JobStatus, Instant> steps) {

    /** Reasons are kept to this many characters. */
    public static final int MAX_REASON = 1024;

    public DeviceJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(status, "status");
        steps = steps == null || steps.isEmpty() ? Map.of() : Map.copyOf(steps);
        if (reason != null && reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON);
        }
    }

    /** The job moved to {@code next} at {@code at}, with the deadline it has from then on. */
    public DeviceJob moved(JobStatus next, int progress, String reason, Instant at, Instant deadline) {
        Map<JobStatus, Instant> entered = new EnumMap<>(JobStatus.class);
        entered.putAll(steps);
        if (next != status || !steps.containsKey(next)) {
            entered.put(next, at);
        }
        return new DeviceJob(
                id,
                rolloutId,
                device,
                wave,
                next,
                progress,
                reason,
                fromVersion,
                next == JobStatus.PENDING && offeredAt == null ? at : offeredAt,
                at,
                next.terminal() ? null : deadline,
                entered);
    }

    /** The job as it is, answerable until {@code deadline} (a device that polls is not silent). */
    public DeviceJob withDeadline(Instant deadline) {
        return new DeviceJob(
                id,
                rolloutId,
                device,
                wave,
                status,
                progress,
                reason,
                fromVersion,
                offeredAt,
                updatedAt,
                deadline,
                steps);
    }

    /** The job, over, with a new reason at {@code at} (a device confirmed its cancel). */
    public DeviceJob withReason(String reason, Instant at) {
        return new DeviceJob(
                id, rolloutId, device, wave, status, progress, reason, fromVersion, offeredAt, at, null, steps);
    }
}
