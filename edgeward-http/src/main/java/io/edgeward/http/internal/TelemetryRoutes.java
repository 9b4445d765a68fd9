package io.edgeward.http.internal;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.telemetry.Aggregation;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.TimeRange;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/devices/{id}/telemetry}: latest values, raw points, time buckets. */
public final class TelemetryRoutes {

    static final Duration DEFAULT_RANGE = Duration.ofHours(1);
    /** Where an answer came from: raw points (rollup tiers will name theirs: 1m, 1h, 1d). */
    private static final String RAW_SOURCE = "raw";

    private final DeviceRegistry registry;
    private final TelemetryQueries queries;
    private final Clock clock;

    public TelemetryRoutes(DeviceRegistry registry, TelemetryQueries queries, Clock clock) {
        this.registry = registry;
        this.queries = queries;
        this.clock = clock;
    }

    public void latest(Context ctx) {
        Device device = registry.get(ctx.pathParam("id"));
        Map<String, Object> metrics = new LinkedHashMap<>();
        for (Point point : queries.latest(device.id())) {
            metrics.put(point.metric(), Views.point(point));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("device_id", device.id().value());
        body.put("last_seen", Views.iso(device.lastSeen()));
        body.put("metrics", metrics);
        ctx.json(body);
    }

    public void series(Context ctx) {
        Device device = registry.get(ctx.pathParam("id"));
        String metric = ctx.queryParam("metric");
        if (metric == null || metric.isBlank()) {
            throw ApiException.badRequest("the query parameter 'metric' is required");
        }
        long to = ctx.queryParam("to") == null ? clock.millis() : Params.time("to", ctx.queryParam("to"));
        long from = ctx.queryParam("from") == null
                ? to - DEFAULT_RANGE.toMillis()
                : Params.time("from", ctx.queryParam("from"));
        if (to <= from) {
            throw ApiException.badRequest("'to' must be after 'from'");
        }
        TimeRange range = new TimeRange(from, to);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("device_id", device.id().value());
        body.put("metric", metric);
        body.put("from", Views.iso(Instant.ofEpochMilli(from)));
        body.put("to", Views.iso(Instant.ofEpochMilli(to)));
        String interval = ctx.queryParam("interval");
        String agg = ctx.queryParam("agg");
        if (interval == null && agg == null) {
            String rawLimit = ctx.queryParam("limit");
            int limit = rawLimit == null
                    ? TelemetryQueries.DEFAULT_RAW_LIMIT
                    : Params.integer("limit", rawLimit, 1, TelemetryQueries.MAX_RAW_POINTS);
            var points = queries.raw(device.id(), metric, range, limit);
            body.put("source", RAW_SOURCE);
            body.put("points", points.stream().map(Views::point).toList());
            body.put("truncated", points.size() == limit);
        } else {
            if (interval == null) {
                throw ApiException.badRequest("'agg' needs an 'interval' (e.g. interval=1m)");
            }
            Duration bucket = Params.duration("interval", interval);
            List<Aggregation> aggregations = agg == null ? List.of(Aggregation.AVG) : aggregations(agg);
            body.put("interval", interval);
            if (aggregations.size() == 1) {
                body.put("agg", aggregations.get(0).wireName());
            }
            body.put("aggs", aggregations.stream().map(Aggregation::wireName).toList());
            body.put("source", RAW_SOURCE);
            body.put(
                    "buckets",
                    queries.buckets(device.id(), metric, range, bucket).stream()
                            .map(b -> Views.bucket(b, aggregations))
                            .toList());
        }
        ctx.json(body);
    }

    /** {@code /telemetry/metrics}: every series of the device, with its unit, time span and point count. */
    public void metrics(Context ctx) {
        Device device = registry.get(ctx.pathParam("id"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("device_id", device.id().value());
        body.put(
                "metrics",
                queries.series(device.id()).stream().map(Views::series).toList());
        ctx.json(body);
    }

    private static List<Aggregation> aggregations(String agg) {
        try {
            return Aggregation.listFromWire(agg);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
