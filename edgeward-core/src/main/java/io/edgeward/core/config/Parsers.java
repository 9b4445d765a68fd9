package io.edgeward.core.config;

import io.edgeward.core.time.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for configuration values, each with bounds and a message that says what was expected. */
public final class Parsers {

    private static final Pattern SIZE =
            Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?", Pattern.CASE_INSENSITIVE);

    private Parsers() {}

    public static Key.Parser<Integer> integer(int min, int max) {
        return raw -> {
            int value;
            try {
                value = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        };
    }

    public static Key.Parser<Integer> port() {
        return integer(0, 65535);
    }

    /** Bytes, with an optional unit: 262144, 256KiB, 1MiB. */
    public static Key.Parser<Integer> size(long min, long max) {
        return raw -> {
            long value = byteCount(raw);
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max + " bytes");
            }
            return (int) value;
        };
    }

    /** A byte count with an optional unit (20GiB, 512MiB, 1TiB); empty or 0 for none, which reads as 0. */
    public static Key.Parser<Long> bytes() {
        return raw -> raw.isBlank() ? 0L : byteCount(raw);
    }

    private static long byteCount(String raw) {
        Matcher m = SIZE.matcher(raw.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size (e.g. 262144, 256KiB, 1MiB, 20GiB)");
        }
        long unit = switch (m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT)) {
            case "kib", "kb" -> 1L << 10;
            case "mib", "mb" -> 1L << 20;
            case "gib", "gb" -> 1L << 30;
            case "tib", "tb" -> 1L << 40;
            default -> 1L;
        };
        return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    }

    /** 500ms, 30s, 5m, 1h, 1d or ISO-8601 (PT5M). */
    public static Key.Parser<Duration> duration(Duration min, Duration max) {
        return raw -> {
            Duration value = Durations.parse(raw);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        };
    }

    /** A whole percentage, {@code 5%} or {@code 5}. */
    public static Key.Parser<Integer> percent(int min, int max) {
        Key.Parser<Integer> whole = integer(min, max);
        return raw -> {
            String trimmed = raw.trim();
            return whole.parse(trimmed.endsWith("%") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
        };
    }

    public static Key.Parser<Boolean> bool() {
        return raw -> switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("not a boolean (true or false)");
        };
    }

    public static Key.Parser<String> string() {
        return raw -> raw;
    }

    public static Key.Parser<String> oneOf(String... allowed) {
        Set<String> values = Set.of(allowed);
        return raw -> {
            String value = raw.trim().toUpperCase(Locale.ROOT);
            if (!values.contains(value)) {
                throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
            }
            return value;
        };
    }

    public static Key.Parser<String> secret(int minLength) {
        return raw -> {
            if (!raw.isEmpty() && raw.length() < minLength) {
                throw new IllegalArgumentException(
                        "must be empty (generate one) or at least " + minLength + " characters");
            }
            return raw;
        };
    }

    public static Key.Parser<String> jdbcUrl() {
        return raw -> {
            if (!raw.isEmpty() && !raw.startsWith("jdbc:sqlite:") && !raw.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException(
                        "must be empty (embedded SQLite), jdbc:sqlite:<file> or jdbc:postgresql://host/db");
            }
            return raw;
        };
    }

    public static Key.Parser<Path> path() {
        return raw -> {
            if (raw.isBlank()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return Path.of(raw);
        };
    }
}
