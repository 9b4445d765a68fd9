package io.edgeward.core.processing;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.StreamRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the processor rebuilds a series' state from, at its first point after a start, a commit
 * failure or a change: the stored output (stream records, derived points) and raw points. No state
 * is written of its own, so output is neither lost nor repeated.
 */
interface History {

    Optional<Device> device(DeviceId id);

    /** The newest record {@code source} wrote for the series. */
    Optional<StreamRecord> last(String source, DeviceId device, String metric);

    /** Every series' newest stored point, by metric. */
    Map<String, Point> latest(DeviceId device);

    /** The series' stored points in {@code [from, to)}, oldest first, at most {@code limit}. */
    List<Point> raw(DeviceId device, String metric, long from, long to, int limit);
}
