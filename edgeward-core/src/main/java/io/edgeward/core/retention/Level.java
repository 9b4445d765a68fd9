package io.edgeward.core.retention;

import io.edgeward.core.telemetry.Tier;
import java.util.List;

/** A level of a series' stored data: its raw points, or one rollup tier. */
public enum Level {
    RAW(null),
    MINUTE(Tier.MINUTE),
    HOUR(Tier.HOUR),
    DAY(Tier.DAY);

    /** The order in which a full disk gives data up: raw points first, then the finest rollups. */
    public static final List<Level> FINEST_FIRST = List.of(RAW, MINUTE, HOUR, DAY);

    private final Tier tier;

    Level(Tier tier) {
        this.tier = tier;
    }

    /** The rollup tier; null for raw points. */
    public Tier tier() {
        return tier;
    }

    /** {@code raw}, {@code 1m}, {@code 1h}, {@code 1d}: as configured and as metrics label it. */
    public String wireName() {
        return tier == null ? "raw" : tier.wireName();
    }

    public static Level fromWire(String name) {
        for (Level level : values()) {
            if (level.wireName().equals(name)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown level '" + name + "': expected raw, 1m, 1h or 1d");
    }
}
