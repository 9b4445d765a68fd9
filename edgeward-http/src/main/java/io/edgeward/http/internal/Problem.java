package io.edgeward.http.internal;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import java.util.Map;

/**
 * An RFC 9457 problem body. {@code type} is a stable identifier of the kind of problem,
 * relative to the API ({@code /problems/...}), so clients can branch on it; {@code extensions}
 * are its extension members (an invalid rule's {@code problems} and {@code positions}).
 */
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        @JsonAnyGetter Map<String, Object> extensions) {

    public Problem {
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    public static Problem of(int status, String type, String title, String detail) {
        return new Problem("/problems/" + type, title, status, detail, Map.of());
    }

    public Problem with(Map<String, Object> members) {
        return new Problem(type, title, status, detail, members);
    }
}
