package io.edgeward.core.device;

import java.util.Objects;

/**
 * What authentication needs to know of a device: its id, its type (for the rights it gets) and the
 * stored hash of its current secret.
 */
public record Credential(DeviceId id, DeviceType type, String secretHash) {

    public Credential {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(secretHash, "secretHash");
    }
}
