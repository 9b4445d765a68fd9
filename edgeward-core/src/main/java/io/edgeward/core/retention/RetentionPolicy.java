package io.edgeward.core.retention;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;

/** How long a series keeps each {@link Level} of its data; {@link #FOREVER} keeps it for good. */
public record RetentionPolicy(Map<Level, Duration> periods) {

    public static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

    public RetentionPolicy {
        periods = Map.copyOf(periods);
        for (Level level : Level.values()) {
            if (!periods.containsKey(level)) {
                throw new IllegalArgumentException("no retention for " + level.wireName());
            }
        }
    }

    public Duration of(Level level) {
        return periods.get(level);
    }

    /** This policy with the periods {@code override} names in place of its own. */
    public RetentionPolicy with(Map<Level, Duration> override) {
        Map<Level, Duration> merged = new EnumMap<>(periods);
        merged.putAll(override);
        return new RetentionPolicy(merged);
    }

    /**
     * The time before which {@code level}'s data goes at {@code nowMillis}; {@code Long.MIN_VALUE}
     * when it is kept forever.
     */
    public long cutoff(Level level, long nowMillis) {
        Duration period = of(level);
        return period.equals(FOREVER) ? Long.MIN_VALUE : nowMillis - period.toMillis();
    }
}
