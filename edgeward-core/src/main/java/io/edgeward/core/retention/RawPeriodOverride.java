package io.edgeward.core.retention;

import io.edgeward.core.device.Device;
import java.time.Duration;
import java.util.Optional;

/**
 * A shorter raw period decided elsewhere than in the retention settings: the processing stage's
 * filters with {@code keep-raw: false} keep a series' raw points only as long as the tiers and open
 * windows need them.
 */
@FunctionalInterface
public interface RawPeriodOverride {

    RawPeriodOverride NONE = (owner, metric) -> Optional.empty();

    Optional<Duration> rawPeriod(Device owner, String metric);
}
