package io.edgeward.core.telemetry;

import java.time.Duration;
import java.util.List;

/**
 * A rollup tier: buckets of one width, aligned to the epoch, kept for every series as points
 * arrive. A bucket of a coarser tier is exactly the combination of the finer tier's buckets in
 * it, and each width divides the next, so a query may combine tiers freely.
 */
public enum Tier {
    MINUTE("1m", Duration.ofMinutes(1)),
    HOUR("1h", Duration.ofHours(1)),
    DAY("1d", Duration.ofDays(1));

    /** Finest first. */
    public static final List<Tier> FINEST_FIRST = List.of(MINUTE, HOUR, DAY);

    private final String wireName;
    private final Duration width;

    Tier(String wireName, Duration width) {
        this.wireName = wireName;
        this.width = width;
    }

    /** How the tier is named in configuration and in query answers ({@code 1m}, {@code 1h}, {@code 1d}). */
    public String wireName() {
        return wireName;
    }

    public Duration width() {
        return width;
    }

    public long millis() {
        return width.toMillis();
    }

    /** The start of the bucket of this tier that holds {@code epochMillis}. */
    public long bucketOf(long epochMillis) {
        return Math.floorDiv(epochMillis, millis()) * millis();
    }

    /** The coarsest tier whose buckets divide {@code interval}, no coarser than {@code ceiling}; null when none does. */
    static Tier coarsestDividing(Duration interval, Tier ceiling) {
        for (int i = ceiling.ordinal(); i >= 0; i--) {
            Tier tier = values()[i];
            if (interval.toMillis() % tier.millis() == 0) {
                return tier;
            }
        }
        return null;
    }

    /** The next finer tier, or null below the minute. */
    Tier finer() {
        return ordinal() == 0 ? null : values()[ordinal() - 1];
    }
}
