package io.edgeward.http.internal;

/**
 * An RFC 9457 problem body. {@code type} is a stable identifier of the kind of problem,
 * relative to the API ({@code /problems/...}), so clients can branch on it.
 */
public record Problem(String type, String title, int status, String detail) {

    public static Problem of(int status, String type, String title, String detail) {
        return new Problem("/problems/" + type, title, status, detail);
    }
}
