package io.edgeward.core.time;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in configuration, query strings and flags. */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d|w|y)");

    private Durations() {}

    /**
     * Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, {@code 2w}, {@code 5y} (a
     * year being 365 days, as retention periods count) or ISO-8601 ({@code PT5M}).
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Duration parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        Matcher m = SHORT.matcher(trimmed);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(7 * n);
                default -> Duration.ofDays(365 * n);
            };
        }
        try {
            return Duration.parse(trimmed);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (e.g. 30s, 5m, 1h, 1d, 2w, 5y or PT5M)");
        }
    }

    /** The shortest of the forms {@link #parse} reads that says {@code duration} exactly: 5y, 2w, 30d, 1h, 90s, PT0.5S. */
    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        if (duration.getNano() == 0 && seconds > 0) {
            long day = 86_400;
            if (seconds % (365 * day) == 0) {
                return seconds / (365 * day) + "y";
            }
            if (seconds % (7 * day) == 0) {
                return seconds / (7 * day) + "w";
            }
            if (seconds % day == 0) {
                return seconds / day + "d";
            }
            if (seconds % 3600 == 0) {
                return seconds / 3600 + "h";
            }
            if (seconds % 60 == 0) {
                return seconds / 60 + "m";
            }
            return seconds + "s";
        }
        return duration.toString();
    }
}
