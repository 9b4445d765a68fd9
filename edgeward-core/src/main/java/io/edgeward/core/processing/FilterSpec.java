package io.edgeward.core.processing;

import io.edgeward.core.telemetry.SeriesSelector;
import java.time.Duration;
import java.util.Objects;

/**
 * A configured filter: the series it applies to and its rule.
 *
 * @param heartbeat pass a point anyway when nothing passed for this long; null for none
 * @param keepRaw false: the matched series' raw points are kept only as long as the tiers and open
 *     windows need them ({@code processing.transient-raw}), then only rollups and the stream remain
 */
public record FilterSpec(String name, SeriesSelector match, FilterRule rule, Duration heartbeat, boolean keepRaw) {

    public FilterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(rule, "rule");
    }
}
