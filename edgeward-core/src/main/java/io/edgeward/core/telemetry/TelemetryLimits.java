package io.edgeward.core.telemetry;

import java.time.Duration;

/**
 * Bounds on what one message may contain.
 *
 * @param maxPayloadBytes payloads larger than this are refused unread
 * @param maxPointsPerMessage a batch with more points is refused whole
 * @param maxFutureSkew points stamped further than this after arrival are refused
 * @param maxStringLength longest string value accepted
 * @param maxUnitLength longest unit accepted ({@code °C}, {@code kWh}, {@code µg/m³}); a unit is a
 *     property of its series, kept once per series, and a longer one refuses the point
 */
public record TelemetryLimits(int maxPayloadBytes, int maxPointsPerMessage, Duration maxFutureSkew, int maxStringLength,
        int maxUnitLength) {

    /** Default for {@link #maxUnitLength}: longer than any unit symbol in use, short enough to cost nothing per series. */
    public static final int DEFAULT_MAX_UNIT_LENGTH = 32;

    /** 2000-01-01T00:00:00Z: anything earlier is a device without a set clock, or seconds sent as milliseconds. */
    public static final long EARLIEST_TIMESTAMP = 946_684_800_000L;

    public static final TelemetryLimits DEFAULTS = new TelemetryLimits(256 * 1024, 10_000, Duration.ofHours(1), 4096);

    public TelemetryLimits(int maxPayloadBytes, int maxPointsPerMessage, Duration maxFutureSkew, int maxStringLength) {
        this(maxPayloadBytes, maxPointsPerMessage, maxFutureSkew, maxStringLength, DEFAULT_MAX_UNIT_LENGTH);
    }

    public TelemetryLimits {
        if (maxPayloadBytes < 64) {
            throw new IllegalArgumentException("maxPayloadBytes must be at least 64");
        }
        if (maxPointsPerMessage < 1) {
            throw new IllegalArgumentException("maxPointsPerMessage must be at least 1");
        }
        if (maxStringLength < 1 || maxUnitLength < 1) {
            throw new IllegalArgumentException("maxStringLength and maxUnitLength must be at least 1");
        }
        if (maxFutureSkew.isNegative()) {
            throw new IllegalArgumentException("maxFutureSkew must not be negative");
        }
    }
}
