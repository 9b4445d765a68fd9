package io.edgeward.core.rules;

import io.edgeward.core.device.Device;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesInfo;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TimeRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Evaluates a rule against stored points, as live evaluation would have (the same {@link
 * Evaluator}, a fresh state, time moved to each point's, the durations run out at the period's
 * end), without recording or running anything. The points before the period feed only the windowed
 * aggregates and {@code latest}. The shadow a condition reads is the one in force now: its history
 * is not replayed.
 */
final class RuleReplayer {

    /** Points read per series and device. */
    static final int MAX_POINTS = 200_000;

    private final TelemetryReader telemetry;
    private final ShadowService shadows;

    RuleReplayer(TelemetryReader telemetry, ShadowService shadows) {
        this.telemetry = telemetry;
        this.shadows = shadows;
    }

    Replay replay(CompiledRule rule, List<Device> devices, long from, long to) {
        List<Transition> transitions = new ArrayList<>();
        long evaluated = 0;
        long errors = 0;
        String firstError = null;
        boolean truncated = false;
        for (Device device : devices) {
            DeviceContext context = new DeviceContext(device);
            context.rebind(List.of(rule));
            long lookback = context.windows.values().stream()
                    .mapToLong(SeriesWindow::span)
                    .max()
                    .orElse(0);
            List<Point> points = new ArrayList<>();
            for (String metric : metrics(rule, device)) {
                List<Point> series = telemetry.raw(device.id(), metric, new TimeRange(from - lookback, to), MAX_POINTS);
                truncated |= series.size() == MAX_POINTS;
                points.addAll(series);
            }
            points.sort(Comparator.comparingLong(Point::timestamp));
            RuleState state = new RuleState();
            if (rule.rule().absent() != null) {
                state.lastSeen = from; // the clock starts with the period, or at the last point before it
            }
            List<Transition> out = new ArrayList<>(2);
            for (Point point : points) {
                context.observe(point);
                boolean ofRule =
                        rule.rule().metric() == null || rule.rule().metric().equals(point.metric());
                if (point.timestamp() < from) {
                    if (ofRule && rule.rule().absent() != null) {
                        state.lastSeen = point.timestamp();
                    }
                    continue;
                }
                if (!ofRule || point.timestamp() <= state.evaluatedUpTo) {
                    continue;
                }
                evaluated++;
                out.clear();
                try {
                    Evaluator.onPoint(
                            rule,
                            state,
                            device.id(),
                            point,
                            new PointContext(context, point, context.usesShadow ? shadows.get(device.id()) : null),
                            out);
                } catch (ConditionException e) {
                    errors++;
                    firstError = firstError == null ? e.getMessage() : firstError;
                }
                transitions.addAll(out);
            }
            Transition last = Evaluator.onTime(rule, state, device.id(), to - 1);
            if (last != null) {
                transitions.add(last);
            }
        }
        transitions.sort(Comparator.comparingLong(Transition::at)
                .thenComparing(t -> t.device().value()));
        return new Replay(transitions, evaluated, errors, firstError, truncated);
    }

    /** The rule's metric (every one of the device's when it names none) and those its condition reads. */
    private Set<String> metrics(CompiledRule rule, Device device) {
        Set<String> metrics = new LinkedHashSet<>();
        if (rule.rule().metric() == null) {
            telemetry.series(device.id()).stream().map(SeriesInfo::metric).forEach(metrics::add);
        } else {
            metrics.add(rule.rule().metric());
        }
        for (Condition condition : DeviceContext.conditions(rule)) {
            metrics.addAll(condition.latestMetrics());
            condition.aggregates().forEach(a -> metrics.add(a.metric()));
        }
        return metrics;
    }
}
