package io.edgeward.core.shadow;

/**
 * A refused shadow request, with the code AWS IoT devices expect in {@code .../rejected}: 400
 * invalid document, 404 unknown device, 409 version conflict, 413 too large, 503 the store could
 * not take the update (try again later).
 */
public final class ShadowException extends RuntimeException {

    private final int code;
    private final long currentVersion;

    public ShadowException(int code, String message, long currentVersion) {
        super(message);
        this.code = code;
        this.currentVersion = currentVersion;
    }

    public static ShadowException invalid(String message) {
        return new ShadowException(400, message, -1);
    }

    public int code() {
        return code;
    }

    /** The shadow's version at refusal, for 409; -1 when not known. */
    public long currentVersion() {
        return currentVersion;
    }
}
