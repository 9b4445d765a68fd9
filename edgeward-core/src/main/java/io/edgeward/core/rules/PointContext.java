package io.edgeward.core.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.telemetry.Point;
import java.util.HashMap;
import java.util.Map;

/**
 * What a condition sees for one point: the point, the device, its newest values, its shadow (when a
 * condition reads it) and the windowed aggregates, ending at the point. Built once per point, for
 * every rule that evaluates it.
 */
final class PointContext implements Condition.Context {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeviceContext device;
    private final Point point;
    private final Shadow shadow;
    private Map<String, Object> variables;

    /**
     * @param point null for a transition a duration caused
     * @param shadow null when no condition of the device reads it
     */
    PointContext(DeviceContext device, Point point, Shadow shadow) {
        this.device = device;
        this.point = point;
        this.shadow = shadow;
    }

    Point point() {
        return point;
    }

    DeviceContext device() {
        return device;
    }

    @Override
    public Map<String, Object> variables() {
        if (variables == null) {
            Map<String, Object> map = new HashMap<>();
            if (point != null) {
                map.put("metric", point.metric());
                map.put("value", point.value().raw());
                map.put("unit", point.unit() == null ? "" : point.unit());
                map.put("ts", point.timestamp());
            }
            map.put("device", device.variables);
            map.put("latest", java.util.Collections.unmodifiableMap(device.latest));
            if (shadow != null) {
                map.put(
                        "shadow",
                        Map.of(
                                "reported", JSON.convertValue(shadow.reported(), Map.class),
                                "desired", JSON.convertValue(shadow.desired(), Map.class)));
            }
            variables = map;
        }
        return variables;
    }

    @Override
    public double aggregate(Aggregate aggregate) {
        SeriesWindow window = device.windows.get(aggregate.metric());
        if (window == null || point == null) {
            return aggregate.function() == Aggregate.Function.COUNT ? 0 : Double.NaN;
        }
        return window.aggregate(
                aggregate.function(), point.timestamp(), aggregate.window().toMillis());
    }
}
