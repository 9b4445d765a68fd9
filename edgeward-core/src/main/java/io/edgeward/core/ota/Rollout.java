package io.edgeward.core.ota;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A rollout: a firmware release offered to a target group of devices wave by wave.
 *
 * @param currentWave the wave whose jobs are offered (1-based); 0 before the first started
 * @param waves how many waves the plan made
 * @param reason why it stopped, paused or was canceled; null otherwise
 * @param dynamic whether devices that join the target group later get a job in the last wave
 */
public record Rollout(
        String id,
        String name,
        String firmwareId,
        RolloutTarget target,
        WavePlan plan,
        Duration deviceTimeout,
        MaintenanceWindow maintenanceWindow,
        boolean dynamic,
        RolloutStatus status,
        int currentWave,
        int waves,
        String reason,
        String createdBy,
        Instant createdAt,
        Instant updatedAt) {

    public Rollout {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(firmwareId, "firmwareId");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(deviceTimeout, "deviceTimeout");
        Objects.requireNonNull(status, "status");
    }

    public Rollout with(RolloutStatus status, int currentWave, String reason, Instant at) {
        return new Rollout(
                id,
                name,
                firmwareId,
                target,
                plan,
                deviceTimeout,
                maintenanceWindow,
                dynamic,
                status,
                currentWave,
                waves,
                reason,
                createdBy,
                createdAt,
                at);
    }
}
