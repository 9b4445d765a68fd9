package io.edgeward.core.command;

import static io.edgeward.core.config.Parsers.duration;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * @param defaultTtl how long a command waits for an offline device when its request gives no TTL
 * @param sweepPeriod how often response timeouts and expired TTLs are looked for
 */
public record CommandSettings(Duration defaultTtl, Duration sweepPeriod) {

    public static final Duration DEFAULT_SWEEP = Duration.ofMillis(250);

    public static final Key<Duration> DEFAULT_TTL = new Key<>(
            "commands.default-ttl",
            "1h",
            duration(Duration.ZERO, Duration.ofDays(7)),
            "How long a command waits for an offline device when the request gives no ttl.");
    public static final List<Key<?>> KEYS = List.of(DEFAULT_TTL);

    public static CommandSettings from(Config config) {
        return new CommandSettings(config.get(DEFAULT_TTL), DEFAULT_SWEEP);
    }

    public CommandSettings {
        Objects.requireNonNull(defaultTtl, "defaultTtl");
        if (sweepPeriod.isNegative() || sweepPeriod.isZero()) {
            throw new IllegalArgumentException("sweepPeriod must be positive");
        }
    }
}
