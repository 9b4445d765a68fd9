package io.edgeward.core.rules;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Where one rule stands for one device: owned by the engine's thread, saved as a {@link Snapshot}
 * at each firing and clearing and, for the times that move with every point, once a second. Times
 * are the points' times (epoch milliseconds); -1 when not set.
 */
final class RuleState {

    boolean active;
    String firingId;
    /** Since when the condition has held unbroken ({@code for}). */
    long holdingSince = -1;
    /** Since when the clear condition has held unbroken ({@code clear_for}). */
    long clearingSince = -1;
    /** The newest point's time ({@code absent}). */
    long lastSeen = -1;
    /** The newest point evaluated: a restart evaluates the stored points after it. */
    long evaluatedUpTo = -1;
    /** When the condition held, newest last, within the {@code count} period. */
    final ArrayDeque<Long> hits = new ArrayDeque<>();
    /** Points for which the condition held again while fired, since the last flush, and the last of them. */
    long repeats;

    io.edgeward.core.telemetry.Point lastRepeat;
    /** Changed since it was last saved. */
    boolean dirty;
    /** Saved at least once: a restart knows the pair and evaluates again what came after it. */
    boolean saved;

    /** The state as saved: what a restart resumes from. */
    record Snapshot(
            boolean active,
            String firingId,
            long holdingSince,
            long clearingSince,
            long lastSeen,
            long evaluatedUpTo,
            List<Long> hits) {

        Snapshot {
            hits = hits == null ? List.of() : List.copyOf(hits);
        }
    }

    Snapshot snapshot() {
        return new Snapshot(active, firingId, holdingSince, clearingSince, lastSeen, evaluatedUpTo, List.copyOf(hits));
    }

    static RuleState of(Snapshot snapshot) {
        RuleState state = new RuleState();
        state.active = snapshot.active();
        state.firingId = snapshot.firingId();
        state.holdingSince = snapshot.holdingSince();
        state.clearingSince = snapshot.clearingSince();
        state.lastSeen = snapshot.lastSeen();
        state.evaluatedUpTo = snapshot.evaluatedUpTo();
        state.hits.addAll(snapshot.hits());
        state.saved = true;
        return state;
    }
}
