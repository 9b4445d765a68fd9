package io.edgeward.core.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.telemetry.Point;
import java.util.Collections;
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
    private Map<String, Object> shadowVariables;

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
    public Object variable(String name) {
        return switch (name) {
            case "metric" -> point == null ? null : point.metric();
            case "value" -> point == null ? null : point.value().raw();
            case "unit" -> point == null ? null : point.unit() == null ? "" : point.unit();
            case "ts" -> point == null ? null : point.timestamp();
            case "device" -> device.variables;
            case "latest" -> Collections.unmodifiableMap(device.latest);
            case "shadow" -> shadow();
            default -> null;
        };
    }

    private Map<String, Object> shadow() {
        if (shadow == null) {
            return null;
        }
        if (shadowVariables == null) {
            shadowVariables = Map.of(
                    "reported", Conditions.celValue(JSON.convertValue(shadow.reported(), Map.class)),
                    "desired", Conditions.celValue(JSON.convertValue(shadow.desired(), Map.class)));
        }
        return shadowVariables;
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
