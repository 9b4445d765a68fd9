package io.edgeward.core.retention;

import static io.edgeward.core.config.Parsers.duration;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.config.Parsers;
import io.edgeward.core.device.Device;
import io.edgeward.core.time.Durations;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How long telemetry is kept: a period per level (raw points and each rollup tier), overrides by
 * metric, device, type or tag, how often expiry runs, and an optional disk budget.
 *
 * @param maxDisk bytes the store may use before the oldest data is given up; 0 for no budget
 */
public record RetentionSettings(
        RetentionPolicy defaults, List<RetentionRule> overrides, Duration interval, long maxDisk) {

    public static final Key<Duration> RAW = period("raw", "30d");
    public static final Key<Duration> MINUTE = period("1m", "365d");
    public static final Key<Duration> HOUR = period("1h", "5y");
    public static final Key<Duration> DAY = period("1d", "forever");
    public static final Key<List<RetentionRule>> OVERRIDES = Key.structured(
            "retention.overrides",
            "[]",
            new RetentionRules(),
            "Retention overrides: a list of {match: {metric, device, type, tag}, raw, 1m, 1h, 1d}; metric and device"
                    + " are globs (vibration*), a period left out keeps the default, and the first override naming a"
                    + " level wins for it. As a variable: the same list in JSON.");
    public static final Key<Duration> INTERVAL = new Key<>(
            "retention.interval",
            "1m",
            duration(Duration.ofSeconds(1), Duration.ofDays(1)),
            "How often expired telemetry is deleted (in batches, in the background).");
    public static final Key<Long> MAX_DISK = new Key<>(
            "store.max-disk",
            "",
            Parsers.bytes(),
            "Disk budget of the telemetry store (e.g. 20GiB); over it, the oldest raw points go first, then the finest"
                    + " rollups. Empty: no budget (a nearly full disk turns /ready red instead). Embedded SQLite only.");
    public static final List<Key<?>> KEYS = List.of(RAW, MINUTE, HOUR, DAY, OVERRIDES, INTERVAL, MAX_DISK);

    public static RetentionSettings from(Config config) {
        Map<Level, Duration> periods = new EnumMap<>(Level.class);
        periods.put(Level.RAW, config.get(RAW));
        periods.put(Level.MINUTE, config.get(MINUTE));
        periods.put(Level.HOUR, config.get(HOUR));
        periods.put(Level.DAY, config.get(DAY));
        return new RetentionSettings(
                new RetentionPolicy(periods), config.get(OVERRIDES), config.get(INTERVAL), config.get(MAX_DISK));
    }

    public RetentionSettings {
        overrides = List.copyOf(overrides);
    }

    /** The policy of one series: the defaults, each level overridden by the first rule that matches and names it. */
    public RetentionPolicy policyFor(Device owner, String metric) {
        Map<Level, Duration> chosen = new EnumMap<>(Level.class);
        if (owner != null) {
            for (RetentionRule rule : overrides) {
                if (rule.matches(owner, metric)) {
                    rule.periods().forEach(chosen::putIfAbsent);
                }
            }
        }
        return defaults.with(chosen);
    }

    private static Key<Duration> period(String level, String defaultValue) {
        return new Key<>(
                "retention." + level,
                defaultValue,
                RetentionSettings::parsePeriod,
                "How long " + (level.equals("raw") ? "raw points are" : "the " + level + " rollup tier is")
                        + " kept: a duration (7d, 52w, 5y) or forever.");
    }

    /** A retention period: a duration of at least an hour, or {@code forever}. */
    static Duration parsePeriod(String raw) {
        if (raw.trim().equals("forever")) {
            return RetentionPolicy.FOREVER;
        }
        Duration period = Durations.parse(raw);
        if (period.compareTo(Duration.ofHours(1)) < 0) {
            throw new IllegalArgumentException("must be at least 1h, or forever");
        }
        return period;
    }
}
