package io.edgeward.core.device.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Device secrets: generation and hashing.
 *
 * <p>Secrets are 256 random bits generated here, never chosen by people, so a single SHA-256 is
 * enough to make a stolen database useless for logging in: there is no dictionary to try. A slow
 * password hash (bcrypt, PBKDF2) would only cost CPU on every device CONNECT, which at fleet scale
 * is a reconnect storm's worth. This is the same reasoning AWS IoT and GitHub apply to tokens.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "sha256:";

    private Secrets() {}

    /** 32 random bytes, URL-safe base64 without padding (43 characters). */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String hash(String secret) {
        return PREFIX + HexFormat.of().formatHex(sha256(secret));
    }

    /**
     * The DTLS pre-shared key of a device: the hex of its secret's SHA-256, so that the key a DTLS
     * server must hold is derived from what is stored, and rotating the secret rotates the key.
     * The stored hash is therefore as sensitive as a PSK store (it does not open MQTT or the CoAP
     * token path, which need the secret itself).
     */
    public static String psk(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** The pre-shared key held in a stored hash, or null for a hash of another form. */
    public static String pskOfStoredHash(String storedHash) {
        return storedHash.startsWith(PREFIX) ? storedHash.substring(PREFIX.length()) : null;
    }

    public static boolean matches(String secret, String storedHash) {
        if (!storedHash.startsWith(PREFIX)) {
            return false;
        }
        byte[] expected = HexFormat.of().parseHex(storedHash.substring(PREFIX.length()));
        return MessageDigest.isEqual(expected, sha256(secret));
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
