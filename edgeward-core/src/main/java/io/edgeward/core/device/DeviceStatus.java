package io.edgeward.core.device;

import java.util.Locale;

/** The seed's device states. */
public enum DeviceStatus {
    ONLINE,
    OFFLINE,
    MAINTENANCE,
    ERROR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeviceStatus fromWire(String name) {
        for (DeviceStatus status : values()) {
            if (status.wireName().equals(name)) {
                return status;
            }
        }
        throw new IllegalArgumentException(
                "unknown device status '" + name + "': expected online, offline, maintenance or error");
    }
}
