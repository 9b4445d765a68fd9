package io.edgeward.core.ota;

import java.util.Locale;

/** A device's OTA request that is refused: a job not its own, one that is over, or none. */
public final class OtaRefusedException extends RuntimeException {

    public enum Reason {
        /** No such job. */
        UNKNOWN_JOB,
        /** The job, or the release, is another device's. */
        NOT_YOURS,
        /** The job ended (completed, failed, canceled) or was never offered. */
        OVER;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Reason reason;

    public OtaRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
