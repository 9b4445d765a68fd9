package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;
import java.time.Duration;
import java.util.List;

/**
 * The temporal forms of a rule as a state machine over {@link RuleState}: the same code runs live
 * (points as they are committed, and the clock's ticks) and in a replay (stored points, with time
 * moved to each point's), which is what makes a replay give what live evaluation gave.
 *
 * <ul>
 *   <li>plain: fires at the first point for which the condition holds;
 *   <li>{@code for: D}: fires once the condition has held, point after point, for D (at the point
 *       that completes D, or at the moment D runs out with no point breaking it);
 *   <li>{@code count: N within D}: fires at the Nth point within D for which the condition held;
 *   <li>{@code absent: D}: fires once no point came for D, clears at the next point.
 * </ul>
 * A fired rule clears when {@code clear} has held for {@code clear_for} (hysteresis), or, without a
 * {@code clear}, at the first point for which the condition no longer holds.
 */
final class Evaluator {

    private Evaluator() {}

    /**
     * Evaluates one point, in order after the state's earlier ones, adding to {@code out} what it
     * caused: a duration that ran out before the point came, then the point's own transition.
     *
     * @throws ConditionException when a condition fails to evaluate (the point counts as evaluated)
     */
    static void onPoint(
            CompiledRule compiled,
            RuleState state,
            DeviceId device,
            Point point,
            Condition.Context context,
            List<Transition> out) {
        long ts = point.timestamp();
        Transition due = onTime(compiled, state, device, ts - 1);
        if (due != null) {
            out.add(due);
        }
        Transition caused = evaluate(compiled, state, device, point, context);
        if (caused != null) {
            out.add(caused);
        }
    }

    private static Transition evaluate(
            CompiledRule compiled, RuleState state, DeviceId device, Point point, Condition.Context context) {
        Rule rule = compiled.rule();
        long ts = point.timestamp();
        state.dirty = true;
        state.evaluatedUpTo = Math.max(state.evaluatedUpTo, ts);
        if (rule.absent() != null) {
            state.lastSeen = Math.max(state.lastSeen, ts);
            return state.active ? clear(rule, state, device, ts, point) : null;
        }
        boolean holds = compiled.condition().test(context);
        if (state.active && holds) {
            state.repeats++; // the open alarm's count and last value, written in the engine's flush
            state.lastRepeat = point;
        }
        if (state.active) {
            if (compiled.clear() == null) {
                return holds ? null : clear(rule, state, device, ts, point);
            }
            if (!compiled.clear().test(context)) {
                state.clearingSince = -1;
                return null;
            }
            if (state.clearingSince < 0) {
                state.clearingSince = ts;
            }
            return elapsed(state.clearingSince, ts, rule.clearFor()) ? clear(rule, state, device, ts, point) : null;
        }
        if (!holds) {
            state.holdingSince = -1;
            return null;
        }
        if (rule.count() != null) {
            state.hits.addLast(ts);
            while (!state.hits.isEmpty()
                    && state.hits.peekFirst() <= ts - rule.count().within().toMillis()) {
                state.hits.removeFirst();
            }
            while (state.hits.size() > rule.count().times()) {
                state.hits.removeFirst();
            }
            return state.hits.size() >= rule.count().times() ? fire(rule, state, device, ts, point) : null;
        }
        if (state.holdingSince < 0) {
            state.holdingSince = ts;
        }
        return elapsed(state.holdingSince, ts, rule.holdFor()) ? fire(rule, state, device, ts, point) : null;
    }

    /**
     * The durations that ran out by {@code now} with no point to break them: {@code for} with the
     * condition still holding, {@code clear_for} with the clear condition still holding, {@code
     * absent} with no point. The transition is placed where the duration ran out, not at {@code now}.
     */
    static Transition onTime(CompiledRule compiled, RuleState state, DeviceId device, long now) {
        Rule rule = compiled.rule();
        if (state.active) {
            if (compiled.clear() != null
                    && rule.clearFor() != null
                    && state.clearingSince >= 0
                    && now >= state.clearingSince + rule.clearFor().toMillis()) {
                return clear(
                        rule,
                        state,
                        device,
                        state.clearingSince + rule.clearFor().toMillis(),
                        null);
            }
            return null;
        }
        if (rule.absent() != null) {
            if (state.lastSeen >= 0 && now >= state.lastSeen + rule.absent().toMillis()) {
                return fire(rule, state, device, state.lastSeen + rule.absent().toMillis(), null);
            }
            return null;
        }
        if (rule.holdFor() != null
                && state.holdingSince >= 0
                && now >= state.holdingSince + rule.holdFor().toMillis()) {
            return fire(rule, state, device, state.holdingSince + rule.holdFor().toMillis(), null);
        }
        return null;
    }

    private static boolean elapsed(long since, long ts, Duration duration) {
        return duration == null || ts - since >= duration.toMillis();
    }

    private static Transition fire(Rule rule, RuleState state, DeviceId device, long at, Point cause) {
        state.active = true;
        state.firingId = Transition.firingId(rule.id(), device, at);
        state.holdingSince = -1;
        state.clearingSince = -1;
        state.hits.clear();
        state.dirty = true;
        return new Transition(Transition.Kind.FIRED, rule.id(), device, at, state.firingId, cause);
    }

    private static Transition clear(Rule rule, RuleState state, DeviceId device, long at, Point cause) {
        String firing = state.firingId;
        state.active = false;
        state.firingId = null;
        state.holdingSince = -1;
        state.clearingSince = -1;
        state.dirty = true;
        if (rule.absent() != null && cause != null) {
            state.lastSeen = Math.max(state.lastSeen, cause.timestamp());
        }
        return new Transition(Transition.Kind.CLEARED, rule.id(), device, at, firing, cause);
    }
}
