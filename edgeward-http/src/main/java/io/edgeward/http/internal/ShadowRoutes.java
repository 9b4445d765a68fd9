package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowDocuments;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowUpdate;
import io.edgeward.core.shadow.ShadowVersion;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/devices/{id}/shadow}: the document with its version as ETag, updates with
 * If-Match (412 when stale), and the kept history.
 */
public final class ShadowRoutes {

    static final int DEFAULT_HISTORY = 20;
    static final int MAX_HISTORY = 200;

    private final ShadowService shadows;
    private final ObjectMapper json;

    public ShadowRoutes(ShadowService shadows, ObjectMapper json) {
        this.shadows = shadows;
        this.json = json;
    }

    public void get(Context ctx) {
        Shadow shadow = shadows.get(Params.device(ctx));
        String etag = etag(shadow.version());
        ctx.header("ETag", etag);
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType("application/json")
                .result(ShadowDocuments.document(shadow, null).toString());
    }

    /** Body: an update request as over MQTT, {@code {"state":{"desired":{…}},"clientToken":"…"}}. */
    public void update(Context ctx) {
        DeviceId device = Params.device(ctx);
        JsonNode request = Bodies.read(json, ctx, JsonNode.class);
        String ifMatch = ctx.header("If-Match");
        if (ifMatch != null && !ifMatch.equals("*")) {
            long expected = version(ifMatch);
            long current = shadows.get(device).version();
            if (expected != current) {
                ctx.header("ETag", etag(current));
                throw new ApiException(
                        412,
                        "shadow-version-mismatch",
                        "Precondition failed",
                        "If-Match names version " + expected + " but the shadow is at version " + current);
            }
            if (request instanceof ObjectNode object && !object.has("version")) {
                object.put("version", expected); // the store re-checks it, so a concurrent writer still loses with 409
            }
        }
        ShadowUpdate update = shadows.update(device, request, ChangedBy.OPERATOR);
        ctx.header("ETag", etag(update.current().version()));
        ctx.contentType("application/json")
                .result(ShadowDocuments.document(update.current(), update.clientToken())
                        .toString());
    }

    public void history(Context ctx) {
        DeviceId device = Params.device(ctx);
        String rawLimit = ctx.queryParam("limit");
        int limit = rawLimit == null ? DEFAULT_HISTORY : Params.integer("limit", rawLimit, 1, MAX_HISTORY);
        String rawBefore = ctx.queryParam("before");
        long before = rawBefore == null ? Long.MAX_VALUE : Params.integer("before", rawBefore, 1, Integer.MAX_VALUE);
        List<ShadowVersion> versions = shadows.history(device, before, limit + 1);
        boolean more = versions.size() > limit;
        List<ShadowVersion> page = more ? versions.subList(0, limit) : versions;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.stream().map(ShadowRoutes::version).toList());
        body.put("next_before", more ? page.get(page.size() - 1).shadow().version() : null);
        ctx.json(body);
    }

    private static Map<String, Object> version(ShadowVersion version) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", version.shadow().version());
        view.put("timestamp", version.shadow().timestamp());
        view.put("time", Instant.ofEpochSecond(version.shadow().timestamp()).toString());
        view.put("changed_by", version.changedBy().wireName());
        view.put("client_token", version.clientToken());
        view.put("state", version.shadow().state());
        view.put("metadata", version.shadow().metadata());
        return view;
    }

    private static String etag(long version) {
        return "\"" + version + "\"";
    }

    private static long version(String etag) {
        String value = etag.trim();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("If-Match must be the shadow's ETag, a quoted version like \"3\"");
        }
    }
}
