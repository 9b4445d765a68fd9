package io.edgeward.core.telemetry;

import java.util.Objects;

/**
 * A refused message or point.
 *
 * @param detail a short human-readable explanation, e.g. {@code "[2].values.temp: NaN is not allowed"}
 */
public record Rejection(RejectReason reason, String detail) {

    public Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return reason.label() + ": " + detail;
    }
}
