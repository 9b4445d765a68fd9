package io.edgeward.core.logs;

import java.util.Locale;

/** How much a log line matters, lowest first. */
public enum LogLevel {
    DEBUG,
    INFO,
    WARN,
    ERROR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException for anything but debug, info, warn (warning) or error
     */
    public static LogLevel fromWire(String value) {
        return switch (value == null ? "" : value.toLowerCase(Locale.ROOT)) {
            case "debug", "trace" -> DEBUG;
            case "info", "notice" -> INFO;
            case "warn", "warning" -> WARN;
            case "error", "err", "critical", "fatal" -> ERROR;
            default ->
                throw new IllegalArgumentException("level must be debug, info, warn or error, not '" + value + "'");
        };
    }
}
