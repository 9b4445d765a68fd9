package io.edgeward.core.ota;

public final class RolloutNotFoundException extends RuntimeException {
    public RolloutNotFoundException(String id) {
        super("no rollout '" + id + "'");
    }
}
