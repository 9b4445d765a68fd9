package io.edgeward.core.device;

/**
 * A device's identity. It appears in MQTT topics ({@code sensor/{id}/telemetry}), CoAP paths and
 * URLs, so it is restricted to characters that are safe in all three: no {@code /}, {@code +},
 * {@code #} or whitespace.
 */
public record DeviceId(String value) implements Comparable<DeviceId> {

    public DeviceId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid device id '" + value
                    + "': 1-64 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit");
        }
    }

    public static DeviceId of(String value) {
        return new DeviceId(value);
    }

    /** True when {@code value} would be accepted by {@link #of}. */
    public static boolean isValid(String value) {
        // A loop, not a regex: this runs for every telemetry message.
        if (value == null || value.isEmpty() || value.length() > 64 || !alphanumeric(value.charAt(0))) {
            return false;
        }
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!alphanumeric(c) && c != '.' && c != '_' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean alphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
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
