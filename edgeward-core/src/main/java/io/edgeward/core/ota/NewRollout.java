package io.edgeward.core.ota;

import java.time.Duration;

/**
 * What an operator asks for: the release, the target group, the wave plan and the limits.
 *
 * @param deviceTimeout how long a device may stay silent on its job; null for {@code ota.device-timeout}
 * @param maintenanceWindow null for any time
 */
public record NewRollout(
        String name,
        String firmwareId,
        RolloutTarget target,
        WavePlan plan,
        Duration deviceTimeout,
        MaintenanceWindow maintenanceWindow,
        boolean dynamic) {

    public NewRollout {
        if (firmwareId == null || firmwareId.isBlank()) {
            throw new IllegalArgumentException("firmware_id is required");
        }
        if (target == null) {
            throw new IllegalArgumentException("a rollout needs devices, tags, type or model to target");
        }
        plan = plan == null ? WavePlan.DEFAULT : plan;
        if (deviceTimeout != null && (deviceTimeout.toSeconds() < 1 || deviceTimeout.toDays() > 30)) {
            throw new IllegalArgumentException("device_timeout must be between 1s and 30d");
        }
        if (name != null && name.length() > 200) {
            throw new IllegalArgumentException("name must be at most 200 characters");
        }
    }
}
