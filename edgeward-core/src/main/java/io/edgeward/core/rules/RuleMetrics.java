package io.edgeward.core.rules;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The seed's {@code iot_rules_evaluated_total} and {@code iot_rules_triggered_total{rule}}, with
 * errors per rule, action durations per type, late points and the lag from commit to evaluation.
 */
final class RuleMetrics {

    private final MeterRegistry meters;
    final Counter evaluated;
    final Counter late;
    final Counter limited;
    final Timer lag;
    private final Map<String, Counter> triggered = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final Map<String, Timer> actions = new ConcurrentHashMap<>();
    private final Map<String, Counter> actionFailures = new ConcurrentHashMap<>();

    RuleMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.evaluated = Counter.builder("iot_rules_evaluated")
                .description("Rule evaluations: one per rule and point it applies to")
                .register(meters);
        this.late = Counter.builder("edgeward.rule.late.points")
                .description(
                        "Points older than one a rule had evaluated for the device: not evaluated (stored all the same)")
                .register(meters);
        this.limited = Counter.builder("edgeward.rule.actions.limited")
                .description("Actions a firing skipped because the action's rate limit for the device was reached")
                .register(meters);
        this.lag = Timer.builder("edgeward.rule.evaluation.lag")
                .description("From a point's group commit to its evaluation by the rules")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
    }

    void triggered(String rule) {
        triggered
                .computeIfAbsent(
                        rule,
                        r -> Counter.builder("iot_rules_triggered")
                                .description("Rule firings")
                                .tag("rule", r)
                                .register(meters))
                .increment();
    }

    void error(String rule) {
        errors.computeIfAbsent(
                        rule,
                        r -> Counter.builder("edgeward.rule.errors")
                                .description("Rule conditions that failed to evaluate")
                                .tag("rule", r)
                                .register(meters))
                .increment();
    }

    void action(String type, Duration took) {
        actions.computeIfAbsent(
                        type,
                        t -> Timer.builder("edgeward.rule.action")
                                .description("Rule actions run, by type, and how long each took")
                                .tag("action", t)
                                .register(meters))
                .record(took);
    }

    void actionFailed(String type) {
        actionFailures
                .computeIfAbsent(
                        type,
                        t -> Counter.builder("edgeward.rule.action.failures")
                                .description("Rule action attempts that failed (retried while attempts remain)")
                                .tag("action", t)
                                .register(meters))
                .increment();
    }
}
