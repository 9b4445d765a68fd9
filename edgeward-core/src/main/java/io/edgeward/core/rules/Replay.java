package io.edgeward.core.rules;

import java.util.List;

/**
 * What a rule would have done over a stored period: every firing and clearing with the point that
 * caused it, and no action run.
 *
 * @param evaluated evaluations made (points times devices)
 * @param errors evaluations that failed, with the first failure's message in {@code firstError}
 * @param truncated whether a device had more points in the period than a replay reads
 */
public record Replay(List<Transition> transitions, long evaluated, long errors, String firstError, boolean truncated) {

    public Replay {
        transitions = List.copyOf(transitions);
    }
}
