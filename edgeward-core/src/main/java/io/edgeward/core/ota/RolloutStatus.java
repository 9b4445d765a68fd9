package io.edgeward.core.ota;

import java.util.Locale;

/**
 * A rollout's state. {@code running}: its current wave's jobs are offered; {@code waiting_approval}:
 * a wave reached its success threshold and the next starts when an operator approves; {@code
 * paused} by an operator; {@code stopped}: a wave passed its error threshold (an operator may
 * resume it); {@code finished} when every job ended; {@code canceled} by an operator.
 */
public enum RolloutStatus {
    RUNNING,
    WAITING_APPROVAL,
    PAUSED,
    STOPPED,
    FINISHED,
    CANCELED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean over() {
        return this == FINISHED || this == CANCELED;
    }
}
