package io.edgeward.core.retention;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.SeriesKey;
import java.util.List;
import java.util.OptionalLong;

/** Port: what retention needs of the telemetry store. */
public interface TelemetryRetention {

    /** Every stored series. */
    List<SeriesKey> series();

    /**
     * Deletes at most {@code limit} of the oldest rows of one series at {@code level} (raw points,
     * or buckets of a tier) that end before {@code before}, in one short transaction; returns how
     * many went. A caller deletes a large backlog by calling again until fewer than {@code limit} go.
     */
    int expire(DeviceId device, String metric, Level level, long before, int limit);

    /** The oldest time held at {@code level} in any series; empty when the level holds nothing. */
    OptionalLong oldest(Level level);

    /** Bytes the stored telemetry (points and tiers) occupies; -1 when the store cannot tell (then no disk budget applies). */
    long usedBytes();
}
