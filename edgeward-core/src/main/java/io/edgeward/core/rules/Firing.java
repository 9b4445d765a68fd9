package io.edgeward.core.rules;

import java.time.Instant;
import java.util.List;

/**
 * What the engine records, in one transaction, when a rule fires or clears for a device: its state
 * after, what happens to its alarm, and the actions to run.
 *
 * @param alarm null when the rule has no alarm action
 */
public record Firing(
        RulePair pair, String state, Transition transition, AlarmChange alarm, List<ActionJob> jobs, Instant at) {

    public Firing {
        jobs = List.copyOf(jobs);
    }
}
