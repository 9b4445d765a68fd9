package io.edgeward.core.rules;

import io.edgeward.core.device.Device;
import io.edgeward.core.telemetry.Point;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the rules know of one device between its points: the device as a condition sees it, the
 * rules that select it, its newest value of each metric ({@code latest}), and the recent points
 * its rules' windowed aggregates read. Built for every device some rule selects when the engine
 * starts or its rules change (so that no store read waits on the evaluation path), and at the
 * first point of a device registered since, from its points alone; owned by the engine's thread.
 */
final class DeviceContext {

    final Device device;
    final Map<String, Object> variables;
    List<CompiledRule> rules = List.of();
    final Map<String, Object> latest = new HashMap<>();
    final Map<String, SeriesWindow> windows = new HashMap<>();
    boolean usesShadow;
    /** Whether a condition reads {@code latest}, and the newest values were read from the store for it. */
    boolean usesLatest;

    boolean latestSeeded;
    /** The device's record changed: the next point rebuilds the context around it, keeping what it learnt. */
    boolean stale;

    DeviceContext(Device device) {
        this.device = device;
        this.variables = variables(device);
    }

    /** Keeps what {@code earlier}, the context of the same device before its record changed, learnt. */
    void takeOver(DeviceContext earlier) {
        latest.putAll(earlier.latest);
        windows.putAll(earlier.windows);
        latestSeeded = earlier.latestSeeded;
    }

    /**
     * Takes the rules that select the device now; keeps what it learnt of the device.
     *
     * @return the metrics whose points a window now needs and does not hold yet: to seed from the store
     */
    Set<String> rebind(List<CompiledRule> selecting) {
        this.rules = List.copyOf(selecting);
        boolean shadow = false;
        boolean readsLatest = false;
        Set<String> newWindows = new LinkedHashSet<>();
        for (CompiledRule rule : rules) {
            for (Condition condition : conditions(rule)) {
                shadow |= condition.usesShadow();
                readsLatest |= !condition.latestMetrics().isEmpty();
                for (Aggregate aggregate : condition.aggregates()) {
                    SeriesWindow window = windows.get(aggregate.metric());
                    if (window == null) {
                        windows.put(
                                aggregate.metric(),
                                new SeriesWindow(aggregate.window().toMillis()));
                        newWindows.add(aggregate.metric());
                    } else if (window.span() < aggregate.window().toMillis()) {
                        window.widen(aggregate.window().toMillis());
                        newWindows.add(aggregate.metric());
                    }
                }
            }
        }
        this.usesShadow = shadow;
        this.usesLatest = readsLatest;
        return newWindows;
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
        map.put("metadata", Conditions.celValue(device.metadata()));
        return Map.copyOf(map);
    }
}
