package io.edgeward.mqtt.internal.telemetry;

import io.edgeward.core.device.DeviceId;

/**
 * {@code sensor/{id}/telemetry} (JSON, or Protobuf by MQTT 5 content type) and
 * {@code sensor/{id}/telemetry/pb} (Protobuf).
 */
public record TelemetryTopic(DeviceId device, boolean protobuf) {

    public static TelemetryTopic parse(String topic) {
        if (!topic.startsWith("sensor/")) {
            return null;
        }
        int idEnd = topic.indexOf('/', 7);
        if (idEnd < 0) {
            return null;
        }
        String rest = topic.substring(idEnd);
        boolean protobuf;
        if (rest.equals("/telemetry")) {
            protobuf = false;
        } else if (rest.equals("/telemetry/pb")) {
            protobuf = true;
        } else {
            return null;
        }
        String id = topic.substring(7, idEnd);
        try {
            // The constructor is the one validation; an invalid id here is the rare bad-input case.
            return new TelemetryTopic(DeviceId.of(id), protobuf);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static boolean isProtobufContentType(String contentType) {
        return contentType.equals("application/x-protobuf")
                || contentType.equals("application/protobuf")
                || contentType.equals("application/vnd.google.protobuf");
    }
}
