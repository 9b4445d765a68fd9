package io.edgeward.core.device;

import java.util.Locale;

/** The seed's device types. */
public enum DeviceType {
    SENSOR,
    ACTUATOR,
    GATEWAY;

    /** The lower-case name used in JSON, metrics labels and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeviceType fromWire(String name) {
        for (DeviceType type : values()) {
            if (type.wireName().equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown device type '" + name + "': expected sensor, actuator or gateway");
    }
}
