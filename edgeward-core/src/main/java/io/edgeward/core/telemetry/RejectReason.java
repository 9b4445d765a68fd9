package io.edgeward.core.telemetry;

/** Why a message or a point was refused. The label is the {@code reason} of the rejection metric. */
public enum RejectReason {
    /** Not parseable as the declared format, or not one of the accepted document shapes. */
    MALFORMED("malformed"),
    /** A field has the wrong JSON type (e.g. an object where a value belongs, a string timestamp). */
    WRONG_TYPE("wrong_type"),
    /** NaN or infinity. */
    NOT_FINITE("not_finite"),
    /** Payload over the configured size, or more points than allowed in one message. */
    TOO_LARGE("too_large"),
    /** Before 2000-01-01 or further in the future than the configured skew. */
    TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range"),
    /** The payload names a different device than the topic. */
    DEVICE_MISMATCH("device_mismatch"),
    /** A metric name with characters outside the allowed set. */
    INVALID_METRIC("invalid_metric"),
    /** The topic names a device that is not registered. */
    UNKNOWN_DEVICE("unknown_device");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
