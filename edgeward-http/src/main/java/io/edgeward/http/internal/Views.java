package io.edgeward.http.internal;

import io.edgeward.core.device.Device;
import io.edgeward.core.telemetry.Aggregation;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesInfo;
import io.edgeward.core.telemetry.Value;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
        view.put("updated_at", iso(device.updatedAt()));
        view.put("edge", device.edge());
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

    /**
     * A bucket with each requested aggregation under its name; with one, also as {@code value}
     * (the shape of a single-aggregation query).
     */
    static Map<String, Object> bucket(Bucket bucket, List<Aggregation> aggregations) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("ts", bucket.start());
        view.put("time", iso(Instant.ofEpochMilli(bucket.start())));
        if (aggregations.size() == 1) {
            view.put("value", raw(bucket.value(aggregations.get(0))));
        }
        view.put("count", bucket.count());
        for (Aggregation aggregation : aggregations) {
            view.put(aggregation.wireName(), raw(bucket.value(aggregation)));
        }
        return view;
    }

    static Map<String, Object> series(SeriesInfo series) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("metric", series.metric());
        view.put("unit", series.unit());
        view.put("first", iso(Instant.ofEpochMilli(series.firstAt())));
        view.put("last", iso(Instant.ofEpochMilli(series.lastAt())));
        view.put("first_ts", series.firstAt());
        view.put("last_ts", series.lastAt());
        view.put("count", series.count());
        return view;
    }

    private static Object raw(Value value) {
        return value == null ? null : value.raw();
    }

    static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
