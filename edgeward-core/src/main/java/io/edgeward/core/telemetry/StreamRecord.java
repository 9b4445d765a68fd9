package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.util.Objects;

/**
 * One record of the reduced stream: a point a filter passed or a result of a closed window,
 * stored in the group commit of the points that produced it.
 *
 * @param seq the stream position, assigned by the store when it commits the record; 0 before
 * @param source the name of the filter or window that produced it
 * @param metric the point's metric, or a window's derived metric ({@code vibration_1m.mean})
 * @param timestamp the point's time, a sample interval's start or a window's start, epoch milliseconds
 */
public record StreamRecord(
        long seq, DeviceId device, Kind kind, String source, String metric, long timestamp, Value value, String unit) {

    /** What produced a record. */
    public enum Kind {
        FILTER("filter"),
        WINDOW("window");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Kind fromWire(String name) {
            for (Kind kind : values()) {
                if (kind.wireName.equals(name)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown stream record kind '" + name + "'");
        }
    }

    public StreamRecord {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(value, "value");
    }

    /** A record not yet stored. */
    public static StreamRecord of(Kind kind, String source, Point point) {
        return new StreamRecord(
                0, point.device(), kind, source, point.metric(), point.timestamp(), point.value(), point.unit());
    }

    public Point point() {
        return new Point(device, metric, timestamp, value, unit);
    }
}
