package io.edgeward.core.device;

/** Registering an id that is already taken. */
public final class DeviceAlreadyExistsException extends RuntimeException {
    private final DeviceId id;

    public DeviceAlreadyExistsException(DeviceId id) {
        super("device '" + id + "' already exists");
        this.id = id;
    }

    public DeviceId id() {
        return id;
    }
}
