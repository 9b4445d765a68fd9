package io.edgeward.core.rules;

import java.util.Arrays;
import java.util.Locale;

/** An alarm's severity, as ThingsBoard names them, most severe first: an open alarm may only escalate. */
public enum Severity {
    CRITICAL,
    MAJOR,
    MINOR,
    WARNING,
    INDETERMINATE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static Severity fromWire(String text) {
        for (Severity severity : values()) {
            if (severity.wireName().equals(text)) {
                return severity;
            }
        }
        throw new IllegalArgumentException("not a severity (expected one of "
                + String.join(
                        ", ", Arrays.stream(values()).map(Severity::wireName).toList())
                + ")");
    }

    /** The more severe of the two. */
    public Severity max(Severity other) {
        return other.ordinal() < ordinal() ? other : this;
    }
}
