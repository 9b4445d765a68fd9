package io.edgeward.core.sync;

import java.util.Locale;

/**
 * The outbox's streams, drained in this order: a higher one always first. {@link #NONE} is not a
 * stream: what is configured so is not forwarded.
 */
public enum Priority {
    HIGH,
    MEDIUM,
    LOW,
    NONE;

    /** The three streams, in draining order. */
    public static final java.util.List<Priority> STREAMS = java.util.List.of(HIGH, MEDIUM, LOW);

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Priority fromWire(String name) {
        for (Priority priority : values()) {
            if (priority.wireName().equals(name)) {
                return priority;
            }
        }
        throw new IllegalArgumentException("unknown sync priority '" + name + "': expected high, medium, low or none");
    }

    /** The stream's number in the store (1 high, 2 medium, 3 low). */
    public int code() {
        if (this == NONE) {
            throw new IllegalArgumentException("'none' is not a stream");
        }
        return ordinal() + 1;
    }

    public static Priority ofCode(int code) {
        if (code < 1 || code > 3) {
            throw new IllegalArgumentException("unknown stream code " + code);
        }
        return values()[code - 1];
    }
}
