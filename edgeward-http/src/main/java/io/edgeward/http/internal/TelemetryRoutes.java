package io.edgeward.http.internal;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.telemetry.Aggregation;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.BucketSeries;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.TimeRange;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Telemetry queries: {@code /api/v1/devices/{id}/telemetry} (latest values, the metric list, raw
 * points or time buckets of one series, as JSON or streamed CSV) and {@code /api/v1/telemetry}
 * (several series in one call, by device ids or a tag).
 */
public final class TelemetryRoutes {

    static final Duration DEFAULT_RANGE = Duration.ofHours(1);

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

    /** One series: raw points or buckets, as JSON or (format=csv) streamed CSV. */
    public void series(Context ctx) {
        Device device = registry.get(ctx.pathParam("id"));
        String metric = ctx.queryParam("metric");
        if (metric == null || metric.isBlank()) {
            throw ApiException.badRequest("the query parameter 'metric' is required");
        }
        TimeRange range = range(ctx);
        Duration interval = interval(ctx);
        boolean csv = csv(ctx);
        if (interval == null) {
            if (csv) {
                // Every point in the range, streamed: an export is not bounded by 'limit'.
                csv(
                        ctx,
                        device.id().value() + "-" + metric,
                        "time,ts,value,unit",
                        out -> queries.forEachRaw(device.id(), metric, range, point -> line(out, pointRow(point))));
                return;
            }
            int limit = limit(ctx);
            List<Point> points = queries.raw(device.id(), metric, range, limit);
            Map<String, Object> body = head(range);
            body.put("device_id", device.id().value());
            body.put("metric", metric);
            body.put("source", BucketSeries.RAW);
            body.put("points", points.stream().map(Views::point).toList());
            body.put("truncated", points.size() == limit);
            ctx.json(body);
            return;
        }
        List<Aggregation> aggregations = aggregations(ctx);
        BucketSeries buckets = queries.buckets(device.id(), metric, range, interval, rawOnly(ctx));
        if (csv) {
            csv(
                    ctx,
                    device.id().value() + "-" + metric,
                    bucketHeader(aggregations),
                    out -> buckets.buckets().forEach(bucket -> line(out, bucketRow(bucket, aggregations))));
            return;
        }
        Map<String, Object> body = head(range);
        body.put("device_id", device.id().value());
        body.put("metric", metric);
        bucketHead(body, ctx.queryParam("interval"), aggregations);
        sources(body, buckets);
        body.put(
                "buckets",
                buckets.buckets().stream()
                        .map(b -> Views.bucket(b, aggregations))
                        .toList());
        ctx.json(body);
    }

    /**
     * {@code /api/v1/telemetry?devices=a,b|tag=t&metrics=m,n&…}: the same query over every pair of a
     * device and a metric, bounded in series and in values so that one call cannot take the
     * gateway down.
     */
    public void multi(Context ctx) {
        List<String> metrics = commaList(ctx, "metrics");
        List<Device> devices = devices(ctx);
        TimeRange range = range(ctx);
        Duration interval = interval(ctx);
        int limit = interval == null ? limit(ctx) : 0;
        queries.checkSeries(devices.size() * metrics.size(), range, interval, limit);
        List<Aggregation> aggregations = interval == null ? List.of() : aggregations(ctx);
        boolean rawOnly = rawOnly(ctx);
        List<Map<String, Object>> series = new ArrayList<>();
        BucketSeries first = null;
        for (Device device : devices) {
            for (String metric : metrics) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("device_id", device.id().value());
                one.put("metric", metric);
                if (interval == null) {
                    List<Point> points = queries.raw(device.id(), metric, range, limit);
                    one.put("points", points.stream().map(Views::point).toList());
                    one.put("truncated", points.size() == limit);
                } else {
                    BucketSeries buckets = queries.buckets(device.id(), metric, range, interval, rawOnly);
                    first = first == null ? buckets : first;
                    one.put(
                            "buckets",
                            buckets.buckets().stream()
                                    .map(b -> Views.bucket(b, aggregations))
                                    .toList());
                }
                series.add(one);
            }
        }
        Map<String, Object> body = head(range);
        if (interval == null) {
            body.put("source", BucketSeries.RAW);
        } else {
            bucketHead(body, ctx.queryParam("interval"), aggregations);
            // The tiers a query uses follow from its range and interval alone: alike for every series.
            sources(body, first);
        }
        body.put("series", series);
        ctx.json(body);
    }

    /** The devices named by {@code devices} (each must exist) or carrying {@code tag}: one of the two. */
    private List<Device> devices(Context ctx) {
        String tag = ctx.queryParam("tag");
        boolean named = ctx.queryParam("devices") != null;
        if (named == (tag != null)) {
            throw ApiException.badRequest(
                    "name the devices with 'devices' (a comma list of ids) or 'tag', one of the two");
        }
        if (named) {
            return commaList(ctx, "devices").stream().map(registry::get).toList();
        }
        List<Device> tagged =
                registry.list(new DeviceFilter(null, null, tag, null, null), TelemetryQueries.MAX_SERIES + 1, null);
        if (tagged.size() > TelemetryQueries.MAX_SERIES) {
            throw ApiException.badRequest("more than " + TelemetryQueries.MAX_SERIES + " devices carry the tag '" + tag
                    + "': name the devices instead, or use a narrower tag");
        }
        return tagged;
    }

    private static List<String> commaList(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            throw ApiException.badRequest("the query parameter '" + name + "' is required (a comma list)");
        }
        List<String> items = new ArrayList<>(new LinkedHashSet<>(Arrays.stream(raw.split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .toList()));
        if (items.isEmpty()) {
            throw ApiException.badRequest("the query parameter '" + name + "' names nothing");
        }
        return items;
    }

    private TimeRange range(Context ctx) {
        long to = ctx.queryParam("to") == null ? clock.millis() : Params.time("to", ctx.queryParam("to"));
        long from = ctx.queryParam("from") == null
                ? to - DEFAULT_RANGE.toMillis()
                : Params.time("from", ctx.queryParam("from"));
        if (to <= from) {
            throw ApiException.badRequest("'to' must be after 'from'");
        }
        return new TimeRange(from, to);
    }

    /** The bucket width, or null for raw points; {@code agg} without {@code interval} is refused. */
    private static Duration interval(Context ctx) {
        String interval = ctx.queryParam("interval");
        if (interval == null) {
            if (ctx.queryParam("agg") != null) {
                throw ApiException.badRequest("'agg' needs an 'interval' (e.g. interval=1m)");
            }
            return null;
        }
        return Params.duration("interval", interval);
    }

    private static int limit(Context ctx) {
        String raw = ctx.queryParam("limit");
        return raw == null
                ? TelemetryQueries.DEFAULT_RAW_LIMIT
                : Params.integer("limit", raw, 1, TelemetryQueries.MAX_RAW_POINTS);
    }

    private static List<Aggregation> aggregations(Context ctx) {
        String agg = ctx.queryParam("agg");
        try {
            return agg == null ? List.of(Aggregation.AVG) : Aggregation.listFromWire(agg);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** {@code source=raw}: buckets computed from raw points even where a rollup tier could answer; {@code auto} (default): the best tier. */
    private static boolean rawOnly(Context ctx) {
        String source = ctx.queryParam("source");
        if (source == null || source.equals("auto")) {
            return false;
        }
        if (source.equals(BucketSeries.RAW)) {
            return true;
        }
        throw ApiException.badRequest("unknown source '" + Params.abbreviate(source) + "': expected auto or raw");
    }

    private static boolean csv(Context ctx) {
        String format = ctx.queryParam("format");
        if (format == null || format.equals("json")) {
            return false;
        }
        if (format.equals("csv")) {
            return true;
        }
        throw ApiException.badRequest("unknown format '" + Params.abbreviate(format) + "': expected json or csv");
    }

    private static Map<String, Object> head(TimeRange range) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", Views.iso(Instant.ofEpochMilli(range.from())));
        body.put("to", Views.iso(Instant.ofEpochMilli(range.to())));
        return body;
    }

    private static void bucketHead(Map<String, Object> body, String interval, List<Aggregation> aggregations) {
        body.put("interval", interval);
        if (aggregations.size() == 1) {
            body.put("agg", aggregations.get(0).wireName());
        }
        body.put("aggs", aggregations.stream().map(Aggregation::wireName).toList());
    }

    /** {@code source}: the tier that answered (or raw); {@code sources}: with the finer ones used at the range's ends. */
    private static void sources(Map<String, Object> body, BucketSeries buckets) {
        body.put("source", buckets.source());
        body.put("sources", buckets.sources());
    }

    @FunctionalInterface
    private interface Rows {
        void writeTo(Writer out);
    }

    /** Streams CSV (RFC 4180) to the response as it is produced; nothing is held but the writer's buffer. */
    private static void csv(Context ctx, String name, String header, Rows rows) {
        ctx.contentType("text/csv; charset=utf-8");
        ctx.header(
                "Content-Disposition", "attachment; filename=\"" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".csv\"");
        try (Writer out = new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8))) {
            out.write(header);
            out.write("\r\n");
            rows.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void line(Writer out, List<Object> cells) {
        try {
            for (int i = 0; i < cells.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(cell(cells.get(i)));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A cell, quoted when it holds a comma, a quote or a line break (quotes doubled). */
    static String cell(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    private static List<Object> pointRow(Point point) {
        return Arrays.asList(
                Instant.ofEpochMilli(point.timestamp()),
                point.timestamp(),
                point.value().raw(),
                point.unit());
    }

    private static String bucketHeader(List<Aggregation> aggregations) {
        StringBuilder header = new StringBuilder("time,ts,count");
        aggregations.forEach(aggregation -> header.append(',').append(aggregation.wireName()));
        return header.toString();
    }

    private static List<Object> bucketRow(Bucket bucket, List<Aggregation> aggregations) {
        List<Object> row =
                new ArrayList<>(List.of(Instant.ofEpochMilli(bucket.start()), bucket.start(), bucket.count()));
        for (Aggregation aggregation : aggregations) {
            var value = bucket.value(aggregation);
            row.add(value == null ? null : value.raw());
        }
        return row;
    }
}
