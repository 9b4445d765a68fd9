package io.edgeward.core.ota;

/** A stored image no longer matches its hash or size: it is not served. */
public final class FirmwareCorruptException extends RuntimeException {

    public FirmwareCorruptException(String id, String why) {
        super("the image of firmware release '" + id + "' is damaged on disk (" + why + "); upload it again");
    }
}
