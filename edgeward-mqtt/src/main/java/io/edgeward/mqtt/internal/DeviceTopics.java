package io.edgeward.mqtt.internal;

import io.edgeward.core.device.DeviceId;

/**
 * The platform's topics under {@code device/{id}/}: the seed's command, response and status
 * topics and the AWS IoT style shadow topics. Requests come from devices; everything else is
 * published by the platform and may not be published by a device.
 */
public record DeviceTopics(DeviceId device, Kind kind) {

    public enum Kind {
        SHADOW_GET,
        SHADOW_UPDATE,
        COMMAND_RESPONSE
    }

    static final String[] PLATFORM_OWNED = {
        "command", "shadow/get/accepted", "shadow/get/rejected", "shadow/update/accepted", "shadow/update/rejected",
        "shadow/update/delta", "shadow/update/documents"
    };

    /** The request a device publishes on {@code topic}, or null for any other topic. */
    static DeviceTopics parse(String topic) {
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
            default -> null;
        };
        return kind == null ? null : new DeviceTopics(DeviceId.of(topic.substring(7, slash)), kind);
    }

    /** True for topics only the platform publishes on. */
    static boolean platformOwned(String topic, DeviceId device) {
        String prefix = "device/" + device.value() + "/";
        if (!topic.startsWith(prefix)) {
            return false;
        }
        String rest = topic.substring(prefix.length());
        for (String owned : PLATFORM_OWNED) {
            if (rest.equals(owned)) {
                return true;
            }
        }
        return false;
    }

    public static String command(DeviceId device) {
        return "device/" + device.value() + "/command";
    }

    public static String shadow(DeviceId device, String operation, String outcome) {
        return "device/" + device.value() + "/shadow/" + operation + "/" + outcome;
    }
}
