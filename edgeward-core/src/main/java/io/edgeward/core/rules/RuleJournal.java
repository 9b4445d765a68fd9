package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What rule evaluation keeps across a restart (a port; the store implements it): each rule and
 * device's state, firings with their alarm changes, and the actions waiting to run.
 */
public interface RuleJournal {

    /** Every saved state, as the documents {@link #saveStates} and {@link #record} were given. */
    Map<RulePair, String> states();

    /** Saves states in one transaction (the engine's once-a-second flush). */
    void saveStates(Map<RulePair, String> states, Instant at);

    /** Forgets the rule's states and its actions not yet run (the rule was deleted). */
    void deleteRule(String ruleId);

    /** Forgets the device's states, its actions not yet run and its alarms (the device was deleted). */
    void deleteDevice(DeviceId device);

    /**
     * Records a firing or clearing in one transaction: the state, the alarm's change and the
     * action jobs. Recording the same firing again (a restart evaluating points it had evaluated
     * before a crash) adds no job twice and counts the alarm once.
     *
     * @return the alarm as it is after (when the firing raised, updated or cleared one), and the
     *     jobs stored now: not those a first recording of the same firing stored already
     */
    Recorded record(Firing firing);

    /** What recording a firing did. */
    record Recorded(Optional<Alarm> alarm, List<ActionJob> newJobs) {
        public Recorded {
            newJobs = List.copyOf(newJobs);
        }
    }

    /** Jobs due by {@code now}, oldest first. */
    List<ActionJob> dueJobs(Instant now, int limit);

    void jobDone(String id, Instant at);

    /** The job failed and runs again at {@code next}. */
    void jobRetry(String id, int attempts, Instant next, String error);

    /** The job failed for good (retries exhausted, or an error a retry cannot fix). */
    void jobFailed(String id, int attempts, String error, Instant at);

    /** Forgets jobs done or failed before {@code before} (kept a while so that a firing recorded again adds none). */
    int pruneJobs(Instant before);
}
