package io.edgeward.http.internal;

import io.edgeward.core.device.Device;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.Point;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON shapes of the API, snake_case as in the seed. Times are ISO-8601 UTC plus epoch ms where series are concerned. */
final class Views {

    private Views() {}

    static Map<String, Object> device(Device device) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("device_id", device.id().value());
        view.put("name", device.name());
        view.put("type", device.type().wireName());
        view.put("model", device.model());
        view.put("firmware_version", device.firmwareVersion());
        view.put("status", device.status().wireName());
        view.put("location", device.location());
        view.put("last_seen", iso(device.lastSeen()));
        view.put("registered_at", iso(device.registeredAt()));
        view.put("metadata", device.metadata());
        view.put("tags", device.tags().stream().sorted().toList());
        return view;
    }

    static Map<String, Object> point(Point point) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("ts", point.timestamp());
        view.put("time", iso(Instant.ofEpochMilli(point.timestamp())));
        view.put("value", point.value().raw());
        if (point.unit() != null) {
            view.put("unit", point.unit());
        }
        return view;
    }

    static Map<String, Object> bucket(Bucket bucket) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("ts", bucket.start());
        view.put("time", iso(Instant.ofEpochMilli(bucket.start())));
        view.put("value", bucket.value() == null ? null : bucket.value().raw());
        view.put("count", bucket.count());
        return view;
    }

    static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
