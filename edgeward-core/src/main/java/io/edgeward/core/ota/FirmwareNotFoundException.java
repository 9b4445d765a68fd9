package io.edgeward.core.ota;

/** No release with that id. */
public final class FirmwareNotFoundException extends RuntimeException {

    public FirmwareNotFoundException(String id) {
        super("no firmware release '" + id + "'");
    }
}
