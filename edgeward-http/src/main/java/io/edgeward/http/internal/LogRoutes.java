package io.edgeward.http.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.logs.LogEntry;
import io.edgeward.core.logs.LogLevel;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device logs: {@code GET /api/v1/devices/{id}/logs} (one device's) and {@code GET /api/v1/logs}
 * (every device's, or at an edge its own under its id), newest first, a page at a time.
 */
public final class LogRoutes {

    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final DeviceLogs logs;
    private final DeviceRegistry registry;

    public LogRoutes(DeviceLogs logs, DeviceRegistry registry) {
        this.logs = logs;
        this.registry = registry;
    }

    public void device(Context ctx) {
        DeviceId device = registry.get(ctx.pathParam("id")).id();
        page(ctx, device);
    }

    public void all(Context ctx) {
        String device = ctx.queryParam("device");
        if (device != null && !DeviceId.isValid(device)) {
            throw ApiException.badRequest("device must be a device id");
        }
        page(ctx, device == null ? null : DeviceId.of(device));
    }

    private void page(Context ctx, DeviceId device) {
        long from = ctx.queryParam("from") == null ? 0 : Params.time("from", ctx.queryParam("from"));
        long to = ctx.queryParam("to") == null ? Long.MAX_VALUE : Params.time("to", ctx.queryParam("to"));
        LogLevel level;
        try {
            level = ctx.queryParam("level") == null ? LogLevel.DEBUG : LogLevel.fromWire(ctx.queryParam("level"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        long before = ctx.queryParam("before") == null
                ? 0
                : Params.integer("before", ctx.queryParam("before"), 1, Integer.MAX_VALUE);
        int limit = ctx.queryParam("limit") == null
                ? DEFAULT_LIMIT
                : Params.integer("limit", ctx.queryParam("limit"), 1, MAX_LIMIT);
        List<LogEntry> lines = logs.query(device, from, to, level, before, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", lines.stream().map(LogRoutes::view).toList());
        body.put("next_before", lines.size() == limit ? lines.getLast().id() : null);
        ctx.json(body);
    }

    private static Map<String, Object> view(LogEntry line) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", line.id());
        view.put("device_id", line.device().value());
        view.put("ts", line.ts());
        view.put("time", Instant.ofEpochMilli(line.ts()).toString());
        view.put("level", line.level().wireName());
        view.put("message", line.message());
        view.put("fields", line.fieldsJson() == null ? null : Bodies.tree(line.fieldsJson()));
        view.put("edge", line.edgeId());
        return view;
    }
}
