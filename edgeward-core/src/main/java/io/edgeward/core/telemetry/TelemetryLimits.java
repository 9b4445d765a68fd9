package io.edgeward.core.telemetry;

import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.integer;
import static io.edgeward.core.config.Parsers.size;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.List;

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
public record TelemetryLimits(
        int maxPayloadBytes, int maxPointsPerMessage, Duration maxFutureSkew, int maxStringLength, int maxUnitLength) {

    /** Default for {@link #maxUnitLength}: longer than any unit symbol in use, short enough to cost nothing per series. */
    public static final int DEFAULT_MAX_UNIT_LENGTH = 32;

    /** 2000-01-01T00:00:00Z: anything earlier is a device without a set clock, or seconds sent as milliseconds. */
    public static final long EARLIEST_TIMESTAMP = 946_684_800_000L;

    public static final Key<Integer> MAX_PAYLOAD = new Key<>(
            "telemetry.max-payload-bytes",
            "256KiB",
            size(64, 16 * 1024 * 1024),
            "Largest telemetry payload; larger ones are refused (MQTT 5: PUBACK 0x97) and counted.");
    public static final Key<Integer> MAX_POINTS = new Key<>(
            "telemetry.max-points-per-message",
            "10000",
            integer(1, 1_000_000),
            "Most points in one telemetry message; more refuses the message.");
    public static final Key<Duration> MAX_FUTURE_SKEW = new Key<>(
            "telemetry.max-future-skew",
            "1h",
            duration(Duration.ZERO, Duration.ofDays(365)),
            "Points stamped further than this after their arrival are refused (timestamp_out_of_range).");
    public static final Key<Integer> MAX_STRING = new Key<>(
            "telemetry.max-string-length",
            "4096",
            integer(1, 1_000_000),
            "Longest string value accepted in telemetry.");
    public static final Key<Integer> MAX_UNIT = new Key<>(
            "telemetry.max-unit-length",
            "32",
            integer(1, 256),
            "Longest unit accepted in telemetry; a point with a longer one is refused (too_large). Units are kept once per series.");
    public static final List<Key<?>> KEYS = List.of(MAX_PAYLOAD, MAX_POINTS, MAX_FUTURE_SKEW, MAX_STRING, MAX_UNIT);

    public static TelemetryLimits from(Config config) {
        return new TelemetryLimits(
                config.get(MAX_PAYLOAD),
                config.get(MAX_POINTS),
                config.get(MAX_FUTURE_SKEW),
                config.get(MAX_STRING),
                config.get(MAX_UNIT));
    }

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
