package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.processing.Processing;
import io.edgeward.core.processing.ProcessingDocuments;
import io.edgeward.core.processing.ProcessingVersion;
import io.edgeward.core.telemetry.StreamRecord;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/processing}: the filters and windows in force (read, replaced, every version
 * kept), and the reduced stream with its consumers' cursors.
 */
public final class ProcessingRoutes {

    private static final Pattern CONSUMER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_RECORDS = 10_000;

    private final Processing processing;
    private final ObjectMapper json;

    public ProcessingRoutes(Processing processing, ObjectMapper json) {
        this.processing = processing;
        this.json = json;
    }

    public void get(Context ctx) {
        ctx.json(current(processing.current()));
    }

    /**
     * Replaces the configuration. {@code version} in the body, when given, is the version the change
     * was made to: another change since answers 409, as a shadow's version does.
     */
    public void put(Context ctx) {
        JsonNode body = Bodies.read(json, ctx, JsonNode.class);
        if (!body.isObject()) {
            throw ApiException.badRequest("expected an object {filters: [...], windows: [...], version, author}");
        }
        long expected = -1;
        if (body.has("version") && !body.get("version").isNull()) {
            if (!body.get("version").canConvertToLong() || body.get("version").asLong() < 0) {
                throw ApiException.badRequest("version must be the version the change was made to, a number");
            }
            expected = body.get("version").asLong();
        }
        String author = body.path("author").asText("api");
        if (author.isBlank() || author.length() > 128 || author.equals(Processing.CONFIG_AUTHOR)) {
            throw ApiException.badRequest("author must be 1-128 characters and not '" + Processing.CONFIG_AUTHOR + "'");
        }
        try {
            ctx.json(current(processing.update(body, expected, author)));
        } catch (ProcessingDocuments.InvalidProcessingException e) {
            throw new ApiException(400, "invalid-processing", "Invalid processing configuration", e.getMessage());
        } catch (Processing.VersionConflictException e) {
            throw new ApiException(409, "processing-version-conflict", "Processing version conflict", e.getMessage());
        }
    }

    public void versions(Context ctx) {
        int limit = ctx.queryParam("limit") == null ? 50 : Params.integer("limit", ctx.queryParam("limit"), 1, 1000);
        List<Map<String, Object>> versions = processing.history(limit).stream()
                .map(ProcessingRoutes::version)
                .toList();
        ctx.json(Map.of("versions", versions));
    }

    public void stream(Context ctx) {
        long after = ctx.queryParam("after") == null ? 0 : position("after", ctx.queryParam("after"));
        int limit = limit(ctx);
        DeviceId device = ctx.queryParam("device") == null ? null : DeviceId.of(ctx.queryParam("device"));
        List<StreamRecord> records = processing.records(after, device, limit);
        ctx.json(
                Map.of("records", records.stream().map(ProcessingRoutes::record).toList()));
    }

    public void consumers(Context ctx) {
        ctx.json(Map.of("consumers", processing.consumers()));
    }

    /** The records after the consumer's cursor; the cursor moves only when the consumer acknowledges. */
    public void read(Context ctx) {
        Processing.Batch batch = processing.read(consumer(ctx), limit(ctx));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("consumer", batch.consumer());
        body.put("cursor", batch.cursor());
        body.put(
                "records",
                batch.records().stream().map(ProcessingRoutes::record).toList());
        if (batch.gap() != null) {
            body.put(
                    "missed",
                    Map.of("after", batch.gap().after(), "before", batch.gap().before()));
        }
        ctx.json(body);
    }

    public void acknowledge(Context ctx) {
        JsonNode body = Bodies.read(json, ctx, JsonNode.class);
        if (!body.path("seq").canConvertToLong() || body.path("seq").asLong() < 0) {
            throw ApiException.badRequest("expected {\"seq\": N}: the position of the last record handled");
        }
        String consumer = consumer(ctx);
        ctx.json(Map.of(
                "consumer",
                consumer,
                "cursor",
                processing.acknowledge(consumer, body.get("seq").asLong())));
    }

    public void seek(Context ctx) {
        JsonNode body = Bodies.read(json, ctx, JsonNode.class);
        if (!body.path("time").isTextual() && !body.path("time").isIntegralNumber()) {
            throw ApiException.badRequest("expected {\"time\": \"2025-01-01T00:00:00Z\"}: where to replay from");
        }
        long time = Params.time("time", body.get("time").asText());
        String consumer = consumer(ctx);
        ctx.json(Map.of("consumer", consumer, "cursor", processing.seek(consumer, Instant.ofEpochMilli(time))));
    }

    private static String consumer(Context ctx) {
        String name = ctx.pathParam("name");
        if (!CONSUMER.matcher(name).matches()) {
            throw ApiException.badRequest("a consumer name is 1-64 of A-Z a-z 0-9 _ . -");
        }
        return name;
    }

    private static int limit(Context ctx) {
        return ctx.queryParam("limit") == null
                ? 1000
                : Params.integer("limit", ctx.queryParam("limit"), 1, MAX_RECORDS);
    }

    private static long position(String name, String raw) {
        try {
            long value = Long.parseLong(raw);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.badRequest(
                name + " must be a stream position, 0 or more, got '" + Params.abbreviate(raw) + "'");
    }

    private static Map<String, Object> current(Processing.Current current) {
        ObjectNode document = ProcessingDocuments.render(current.config());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", current.version());
        body.put(
                "updated_at",
                current.stored() == null ? null : Views.iso(current.stored().createdAt()));
        body.put(
                "updated_by", current.stored() == null ? null : current.stored().author());
        body.put("filters", document.get("filters"));
        body.put("windows", document.get("windows"));
        return body;
    }

    private static Map<String, Object> version(ProcessingVersion version) {
        ObjectNode document = ProcessingDocuments.render(ProcessingDocuments.parse(version.document()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version.version());
        body.put("created_at", Views.iso(version.createdAt()));
        body.put("author", version.author());
        body.put("filters", document.get("filters"));
        body.put("windows", document.get("windows"));
        return body;
    }

    private static Map<String, Object> record(StreamRecord record) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("seq", record.seq());
        body.put("device_id", record.device().value());
        body.put("kind", record.kind().wireName());
        body.put("source", record.source());
        body.put("metric", record.metric());
        body.putAll(Views.point(record.point()));
        return body;
    }
}
