package io.edgeward.mqtt.internal.device;

import io.edgeward.core.device.DeviceId;
import io.edgeward.mqtt.internal.Topics;

/**
 * The platform's topics under {@code device/{id}/}: the seed's command, response and status
 * topics, the AWS IoT style shadow topics, the OTA notify and progress topics and the log topic. Requests come from devices; everything else is
 * published by the platform and may not be published by a device.
 */
public record DeviceTopics(DeviceId device, Kind kind) {

    public enum Kind {
        SHADOW_GET,
        SHADOW_UPDATE,
        COMMAND_RESPONSE,
        OTA_PROGRESS,
        OTA_CHUNK_REQUEST,
        LOG;

        /** Requests whose PUBLISH is held until handled, because a refusal travels in its acknowledgement. */
        public boolean answeredInAcknowledgement() {
            return this != SHADOW_GET && this != SHADOW_UPDATE;
        }
    }

    /**
     * What the platform publishes below {@code device/{id}/}, as topic filters: the command topic and
     * every level under the two shadow request topics (accepted, rejected, delta, documents, and
     * whatever answer comes next). Three filters rather than seven topics because each becomes a
     * HiveMQ permission object, with its filter split into strings, for every connected device:
     * four fewer saved about 1.3 KB of heap per connection.
     */
    public static final String[] PLATFORM_OWNED = {"command", "shadow/get/+", "shadow/update/+", "ota/notify"};

    /** The request a device publishes on {@code topic}, or null for any other topic. */
    public static DeviceTopics parse(String topic) {
        if (!topic.startsWith("device/")) {
            return null;
        }
        int slash = topic.indexOf('/', 7);
        if (slash < 0 || !DeviceId.isValid(topic.substring(7, slash))) {
            return null;
        }
        Kind kind = switch (topic.substring(slash + 1)) {
            case "shadow/get" -> Kind.SHADOW_GET;
            case "shadow/update" -> Kind.SHADOW_UPDATE;
            case "response" -> Kind.COMMAND_RESPONSE;
            case "ota/progress" -> Kind.OTA_PROGRESS;
            case "ota/chunk/request" -> Kind.OTA_CHUNK_REQUEST;
            case "log" -> Kind.LOG;
            default -> null;
        };
        return kind == null ? null : new DeviceTopics(DeviceId.of(topic.substring(7, slash)), kind);
    }

    /** True for topics only the platform publishes on. */
    public static boolean platformOwned(String topic, DeviceId device) {
        String prefix = "device/" + device.value() + "/";
        if (!topic.startsWith(prefix)) {
            return false;
        }
        String rest = topic.substring(prefix.length());
        for (String owned : PLATFORM_OWNED) {
            if (Topics.covers(owned, rest)) {
                return true;
            }
        }
        return false;
    }

    public static String command(DeviceId device) {
        return "device/" + device.value() + "/command";
    }

    public static String otaNotify(DeviceId device) {
        return "device/" + device.value() + "/ota/notify";
    }

    /** Where chunk {@code index} of a device's image goes (to that device's connection only). */
    public static String otaChunk(DeviceId device, long index) {
        return "device/" + device.value() + "/ota/chunk/" + index;
    }

    public static String shadow(DeviceId device, String operation, String outcome) {
        return "device/" + device.value() + "/shadow/" + operation + "/" + outcome;
    }
}
