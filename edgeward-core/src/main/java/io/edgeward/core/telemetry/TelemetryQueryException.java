package io.edgeward.core.telemetry;

/** A telemetry query outside the allowed bounds (range too long, too many buckets, bad parameters). */
public final class TelemetryQueryException extends IllegalArgumentException {
    public TelemetryQueryException(String message) {
        super(message);
    }
}
