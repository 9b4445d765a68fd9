package io.edgeward.core.device;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** What an operator supplies to register a device; the registry adds status, times and credentials. */
public record NewDevice(
        DeviceId id,
        String name,
        DeviceType type,
        String model,
        String firmwareVersion,
        String location,
        Map<String, Object> metadata,
        Set<String> tags) {

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:/=-]{1,64}");
    private static final int MAX_TEXT = 256;
    private static final int MAX_TAGS = 32;

    public NewDevice {
        Objects.requireNonNull(id, "device_id is required");
        type = type == null ? DeviceType.SENSOR : type;
        name = checkText("name", name);
        model = checkText("model", model);
        firmwareVersion = checkText("firmware_version", firmwareVersion);
        location = checkText("location", location);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        tags = checkTags(tags == null ? Set.of() : Set.copyOf(tags));
    }

    public static NewDevice of(DeviceId id, DeviceType type) {
        return new NewDevice(id, null, type, null, null, null, null, null);
    }

    static Set<String> checkTags(Set<String> tags) {
        if (tags.size() > MAX_TAGS) {
            throw new IllegalArgumentException("at most " + MAX_TAGS + " tags");
        }
        for (String tag : tags) {
            if (!TAG.matcher(tag).matches()) {
                throw new IllegalArgumentException(
                        "invalid tag '" + tag + "': 1-64 characters of A-Z a-z 0-9 . _ : / = -");
            }
        }
        return tags;
    }

    static String checkText(String field, String value) {
        if (value != null && value.length() > MAX_TEXT) {
            throw new IllegalArgumentException(field + " is longer than " + MAX_TEXT + " characters");
        }
        return value;
    }
}
