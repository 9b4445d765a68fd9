package io.edgeward.core.ota;

/** An image larger than {@code ota.max-image-size}. */
public final class FirmwareTooLargeException extends RuntimeException {

    public FirmwareTooLargeException(long limit) {
        super("the image is larger than ota.max-image-size (" + limit + " bytes)");
    }
}
