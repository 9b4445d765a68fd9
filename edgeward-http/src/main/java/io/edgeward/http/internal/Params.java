package io.edgeward.http.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceNotFoundException;
import io.edgeward.core.time.Durations;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Query-parameter parsing with messages that tell the caller what was expected. */
final class Params {

    private Params() {}

    /** ISO-8601 instant ({@code 2025-01-01T00:00:00Z}, offsets allowed) or epoch milliseconds. */
    static long time(String name, String raw) {
        if (raw.chars().allMatch(Character::isDigit) && !raw.isEmpty() && raw.length() <= 15) {
            return Long.parseLong(raw);
        }
        try {
            return Instant.parse(raw).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(raw).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw ApiException.badRequest(
                        name + " must be an ISO-8601 time (2025-01-01T00:00:00Z) or epoch milliseconds, got '"
                                + abbreviate(raw) + "'");
            }
        }
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, or ISO-8601 ({@code PT5M}). */
    static Duration duration(String name, String raw) {
        try {
            return Durations.parse(raw);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    name + " must be a duration like 30s, 5m, 1h, 1d or PT5M, got '" + abbreviate(raw) + "'");
        }
    }

    static int integer(String name, String raw, int min, int max) {
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw ApiException.badRequest(
                name + " must be an integer from " + min + " to " + max + ", got '" + abbreviate(raw) + "'");
    }

    /** The {@code {id}} path parameter; a malformed id is simply a device that does not exist. */
    static DeviceId device(Context ctx) {
        String id = ctx.pathParam("id");
        if (!DeviceId.isValid(id)) {
            throw new DeviceNotFoundException(id);
        }
        return DeviceId.of(id);
    }

    static String abbreviate(String raw) {
        return raw.length() <= 64 ? raw : raw.substring(0, 61) + "...";
    }
}
