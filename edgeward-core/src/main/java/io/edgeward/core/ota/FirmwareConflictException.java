package io.edgeward.core.ota;

/** The model already has a release of that version (versions are immutable once released). */
public final class FirmwareConflictException extends RuntimeException {

    public FirmwareConflictException(String model, String version) {
        super("model '" + model + "' already has a release of version " + version);
    }
}
