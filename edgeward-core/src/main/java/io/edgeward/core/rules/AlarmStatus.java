package io.edgeward.core.rules;

import java.util.Locale;

/** ThingsBoard's alarm lifecycle: active or cleared, each acknowledged or not. */
public enum AlarmStatus {
    ACTIVE_UNACK,
    ACTIVE_ACK,
    CLEARED_UNACK,
    CLEARED_ACK;

    public static AlarmStatus of(boolean cleared, boolean acknowledged) {
        if (cleared) {
            return acknowledged ? CLEARED_ACK : CLEARED_UNACK;
        }
        return acknowledged ? ACTIVE_ACK : ACTIVE_UNACK;
    }

    public boolean cleared() {
        return this == CLEARED_UNACK || this == CLEARED_ACK;
    }

    public boolean acknowledged() {
        return this == ACTIVE_ACK || this == CLEARED_ACK;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static AlarmStatus fromWire(String text) {
        for (AlarmStatus status : values()) {
            if (status.wireName().equals(text)) {
                return status;
            }
        }
        throw new IllegalArgumentException(
                "not an alarm status (expected active_unack, active_ack, cleared_unack or cleared_ack)");
    }
}
