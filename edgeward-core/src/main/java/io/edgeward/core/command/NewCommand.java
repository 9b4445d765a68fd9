package io.edgeward.core.command;

import java.time.Duration;
import java.util.Map;

/**
 * What a caller asks a device to do.
 *
 * @param timeout how long to wait for the device's response once sent
 * @param ttl how long the command may wait for an offline device before it expires
 * @param idempotencyKey repeats of a request with the same key return the first command
 */
public record NewCommand(
        String type, Map<String, Object> parameters, Duration timeout, Duration ttl, String idempotencyKey) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration MAX_TTL = Duration.ofDays(7);

    public NewCommand {
        if (type == null || !type.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("type is required: 1-64 characters of A-Z a-z 0-9 _ . : -");
        }
        parameters = parameters == null ? Map.of() : parameters;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be between 100ms and " + MAX_TIMEOUT.toMinutes() + "m");
        }
        if (ttl != null && (ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0)) {
            throw new IllegalArgumentException("ttl must be between 0s and " + MAX_TTL.toDays() + "d");
        }
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 128)) {
            throw new IllegalArgumentException("idempotency_key must be 1-128 characters");
        }
    }
}
