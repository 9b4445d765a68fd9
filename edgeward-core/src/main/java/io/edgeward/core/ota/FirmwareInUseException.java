package io.edgeward.core.ota;

/** A release cannot be deleted while a rollout that is not over offers it. */
public final class FirmwareInUseException extends RuntimeException {
    public FirmwareInUseException(String id) {
        super("firmware '" + id + "' is offered by a rollout that is not finished or canceled; cancel it first");
    }
}
