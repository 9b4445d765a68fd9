package io.edgeward.core.logs;

/** A log message not taken: malformed, or over the device's rate. */
public final class LogRefusedException extends RuntimeException {

    public enum Reason {
        MALFORMED,
        RATE
    }

    private final Reason reason;

    public LogRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
