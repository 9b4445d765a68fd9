package io.edgeward.core.ota;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import java.util.List;
import java.util.Set;

/**
 * Which devices a rollout updates: the listed ids, or else every device with all of {@code tags};
 * either narrowed by {@code type}, {@code model} (the firmware's model when absent) and {@code
 * fromVersion} (the version the device runs now). Every criterion that is {@code null} or empty
 * matches all.
 */
public record RolloutTarget(
        List<DeviceId> devices, Set<String> tags, DeviceType type, String model, String fromVersion) {

    public RolloutTarget {
        devices = devices == null ? List.of() : List.copyOf(devices);
        tags = tags == null ? Set.of() : Set.copyOf(tags);
        if (devices.isEmpty() && tags.isEmpty() && type == null && model == null) {
            throw new IllegalArgumentException("a rollout needs devices, tags, type or model to target");
        }
        if (devices.size() > 100_000) {
            throw new IllegalArgumentException("devices: at most 100,000 ids");
        }
    }

    /** By id when ids are given; otherwise by the tags. */
    public boolean byId() {
        return !devices.isEmpty();
    }
}
