package io.edgeward.core.rules;

import io.edgeward.core.device.Device;
import io.edgeward.core.telemetry.Point;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the rules know of one device between its points: the device as a condition sees it, the
 * rules that select it, its newest value of each metric ({@code latest}), and the recent points
 * its rules' windowed aggregates read. Built at the device's first point after a start or a
 * change, owned by the engine's thread.
 */
final class DeviceContext {

    final Device device;
    final Map<String, Object> variables;
    final List<CompiledRule> rules;
    final Map<String, Object> latest = new HashMap<>();
    final Map<String, SeriesWindow> windows = new HashMap<>();
    final boolean usesShadow;

    DeviceContext(Device device, List<CompiledRule> rules) {
        this.device = device;
        this.variables = variables(device);
        this.rules = rules;
        boolean shadow = false;
        for (CompiledRule rule : rules) {
            for (Condition condition : conditions(rule)) {
                shadow |= condition.usesShadow();
                for (Aggregate aggregate : condition.aggregates()) {
                    windows.computeIfAbsent(aggregate.metric(), m -> new SeriesWindow(0))
                            .widen(aggregate.window().toMillis());
                }
            }
        }
        this.usesShadow = shadow;
    }

    static List<Condition> conditions(CompiledRule rule) {
        if (rule.condition() == null) {
            return List.of();
        }
        return rule.clear() == null ? List.of(rule.condition()) : List.of(rule.condition(), rule.clear());
    }

    /** The point's value into {@code latest} and the windows that keep its metric. */
    void observe(Point point) {
        latest.put(point.metric(), point.value().raw());
        SeriesWindow window = windows.get(point.metric());
        if (window != null && point.value().raw() instanceof Number number) {
            window.add(point.timestamp(), number.doubleValue());
        } else if (window != null && point.value().raw() instanceof Boolean flag) {
            window.add(point.timestamp(), flag ? 1 : 0);
        }
    }

    /** {@code device.*} in a condition, {@code {{device.*}}} in a template. */
    static Map<String, Object> variables(Device device) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", device.id().value());
        map.put("name", device.name() == null ? "" : device.name());
        map.put("type", device.type().wireName());
        map.put("model", device.model() == null ? "" : device.model());
        map.put("firmware_version", device.firmwareVersion() == null ? "" : device.firmwareVersion());
        map.put("status", device.status().wireName());
        map.put("location", device.location() == null ? "" : device.location());
        map.put("tags", device.tags().stream().sorted().toList());
        map.put("metadata", device.metadata());
        return Map.copyOf(map);
    }
}
