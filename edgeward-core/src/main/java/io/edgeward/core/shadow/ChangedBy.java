package io.edgeward.core.shadow;

import java.util.Locale;

/** Who wrote a shadow version, as kept in its history. */
public enum ChangedBy {
    /** The device itself, over its protocol. */
    DEVICE,
    /** An operator or application through the API. */
    OPERATOR,
    /** The platform, from the device's telemetry (the latest value of each metric into {@code reported}). */
    TELEMETRY,
    /** A rule's {@code shadow} action. */
    RULE,
    /** A firmware update the device completed ({@code reported.firmware_version}). */
    OTA,
    /** The node this edge forwards to (a change made in the cloud, or above it). */
    SYNC,
    /** An edge this node receives (a change made there, or below it). */
    EDGE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ChangedBy fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
