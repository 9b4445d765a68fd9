package io.edgeward.core.ota;

import java.util.Locale;

/**
 * A device job's state: the seed's {@code pending → downloading → verifying → installing →
 * completed | failed}, plus {@code scheduled} (its wave has not started), {@code rolled_back} (the
 * device booted the new image, found it unhealthy and went back to the old slot) and {@code
 * canceled} (by an operator).
 */
public enum JobStatus {
    SCHEDULED,
    PENDING,
    DOWNLOADING,
    VERIFYING,
    INSTALLING,
    COMPLETED,
    FAILED,
    ROLLED_BACK,
    CANCELED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for a name that is not a state */
    public static JobStatus fromWire(String name) {
        for (JobStatus status : values()) {
            if (status.wireName().equals(name)) {
                return status;
            }
        }
        throw new IllegalArgumentException("status must be one of pending, downloading, verifying, installing, "
                + "completed, failed, rolled_back (was '" + name + "')");
    }

    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == ROLLED_BACK || this == CANCELED;
    }

    /** Counts against a wave's error threshold. */
    public boolean failure() {
        return this == FAILED || this == ROLLED_BACK;
    }

    /** Offered to its device and not over: the device is expected to report. */
    public boolean active() {
        return this != SCHEDULED && !terminal();
    }

    /** A state a device may report (the others are the platform's). */
    public boolean reportable() {
        return this != SCHEDULED && this != CANCELED;
    }
}
