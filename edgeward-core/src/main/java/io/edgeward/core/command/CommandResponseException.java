package io.edgeward.core.command;

import java.util.Locale;

/** A device's response that cannot be applied: malformed, or for a command it does not have. */
public final class CommandResponseException extends RuntimeException {

    /** Metric label and the transport's choice of refusal code. */
    public enum Reason {
        MALFORMED,
        UNKNOWN_COMMAND;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public CommandResponseException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
