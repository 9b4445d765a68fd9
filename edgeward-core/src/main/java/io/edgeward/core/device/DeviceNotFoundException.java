package io.edgeward.core.device;

/** An operation named a device that is not registered. */
public final class DeviceNotFoundException extends RuntimeException {
    private final String id;

    public DeviceNotFoundException(String id) {
        super("device '" + id + "' is not registered");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
