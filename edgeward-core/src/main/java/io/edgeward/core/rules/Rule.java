package io.edgeward.core.rules;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A rule as its author wrote it (see {@link RuleDocuments} for the document form).
 *
 * @param metric the metric whose points the rule evaluates; null for every point of the device
 * @param condition a CEL expression over the point, the device, its shadow, its latest values and
 *     windowed aggregates; null only for a rule that watches for absence alone
 * @param holdFor how long the condition must hold, unbroken, before the rule fires (null: at once)
 * @param clear the condition that clears a fired rule (null: the condition no longer holding)
 * @param clearFor how long {@code clear} must hold before the rule clears (null: at once)
 * @param absent fire when no point (of the metric, or at all) arrived for this long
 * @param count fire when the condition held this many times within a period
 */
public record Rule(
        String id,
        String name,
        String description,
        boolean enabled,
        DeviceSelector selector,
        String metric,
        String condition,
        Duration holdFor,
        String clear,
        Duration clearFor,
        Duration absent,
        CountWithin count,
        List<RuleAction> actions) {

    public Rule {
        Objects.requireNonNull(id, "id");
        selector = selector == null ? DeviceSelector.ANY : selector;
        actions = actions == null ? List.of() : List.copyOf(actions);
        if (condition == null && absent == null) {
            throw new IllegalArgumentException("a rule needs a condition, or absent");
        }
    }

    /** {@code count: 3 within 10m}: the condition held at least {@code times} times within {@code within}. */
    public record CountWithin(int times, Duration within) {
        public CountWithin {
            if (times < 1) {
                throw new IllegalArgumentException("count must be at least 1");
            }
            Objects.requireNonNull(within, "within");
        }

        @Override
        public String toString() {
            return times + " within " + io.edgeward.core.time.Durations.format(within);
        }
    }

    public Rule withEnabled(boolean on) {
        return new Rule(
                id,
                name,
                description,
                on,
                selector,
                metric,
                condition,
                holdFor,
                clear,
                clearFor,
                absent,
                count,
                actions);
    }
}
