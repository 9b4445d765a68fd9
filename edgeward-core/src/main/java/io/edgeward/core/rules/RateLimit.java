package io.edgeward.core.rules;

import java.time.Duration;

/**
 * How often an action may run for one device: at most {@code count} firings every {@code per}.
 * Firings over the limit are skipped and counted ({@code edgeward_rule_actions_limited_total}).
 */
public record RateLimit(int count, Duration per) {

    /** An action runs at most once a second per device unless its rule says otherwise. */
    public static final RateLimit DEFAULT = new RateLimit(60, Duration.ofMinutes(1));

    public RateLimit {
        if (count < 1) {
            throw new IllegalArgumentException("a rate limit's count must be at least 1");
        }
        if (per == null || per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("a rate limit's period must be positive");
        }
    }
}
