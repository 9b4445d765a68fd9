package io.edgeward.core.command;

import java.util.Locale;

/** QUEUED → SENT → DELIVERED (PUBACK) → SUCCEEDED | FAILED | TIMED_OUT, or QUEUED → EXPIRED. */
public enum CommandStatus {
    QUEUED,
    SENT,
    DELIVERED,
    SUCCEEDED,
    FAILED,
    TIMED_OUT,
    EXPIRED;

    public boolean isTerminal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CommandStatus fromWire(String name) {
        for (CommandStatus status : values()) {
            if (status.wireName().equals(name)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown command status '" + name + "'");
    }
}
