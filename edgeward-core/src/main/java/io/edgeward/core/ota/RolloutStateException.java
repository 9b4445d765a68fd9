package io.edgeward.core.ota;

/** An operation the rollout's state does not allow (approving a running rollout, resuming a finished one). */
public final class RolloutStateException extends RuntimeException {
    public RolloutStateException(String message) {
        super(message);
    }
}
