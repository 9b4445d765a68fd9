package io.edgeward.core.device;

import java.util.regex.Pattern;

/**
 * A device's identity. It appears in MQTT topics ({@code sensor/{id}/telemetry}), CoAP paths and
 * URLs, so it is restricted to characters that are safe in all three: no {@code /}, {@code +},
 * {@code #} or whitespace.
 */
public record DeviceId(String value) implements Comparable<DeviceId> {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    public DeviceId {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid device id '" + value
                    + "': 1-64 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit");
        }
    }

    public static DeviceId of(String value) {
        return new DeviceId(value);
    }

    /** True when {@code value} would be accepted by {@link #of}. */
    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    @Override
    public int compareTo(DeviceId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
