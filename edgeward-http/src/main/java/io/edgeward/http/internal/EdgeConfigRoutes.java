package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.sync.EdgeConfig;
import io.edgeward.core.sync.EdgeConfigConflictException;
import io.edgeward.core.sync.EdgeConfigs;
import io.edgeward.core.sync.InvalidEdgeConfigException;
import io.edgeward.core.sync.Sync;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rules and processing configuration pushed to edges: {@code /api/v1/sync/edges/{edge}/config}
 * at a node receiving edges (what it keeps for the edge, and the edge's report of applying it), and
 * {@code /api/v1/sync/config} at an edge (what it applied last).
 */
public final class EdgeConfigRoutes {

    private final Sync sync;
    private final ObjectMapper json;

    public EdgeConfigRoutes(Sync sync, ObjectMapper json) {
        this.sync = sync;
        this.json = json;
    }

    public void get(Context ctx) {
        String edge = ctx.pathParam("edge");
        EdgeConfig config = configs()
                .get(edge)
                .orElseThrow(() -> new ApiException(
                        404,
                        "edge-config-not-found",
                        "No configuration for this edge",
                        "no configuration was pushed to edge '" + Params.abbreviate(edge) + "'"));
        ctx.json(view(config));
    }

    /**
     * Replaces the edge's configuration: {@code {"rules": [...], "processing": {...}, "version": N,
     * "author": "..."}}; {@code version}, when given, is the version the change was made to (0 for the
     * first), and another change since answers 409.
     */
    public void put(Context ctx) {
        JsonNode body = Bodies.read(json, ctx, JsonNode.class);
        if (!body.isObject()) {
            throw ApiException.badRequest("expected an object {\"rules\": [...], \"processing\": {...}, \"version\"}");
        }
        ObjectNode document = ((ObjectNode) body).deepCopy();
        JsonNode version = document.remove("version");
        JsonNode author = document.remove("author");
        Long expected = null;
        if (version != null && !version.isNull()) {
            if (!version.canConvertToLong() || version.asLong() < 0) {
                throw ApiException.badRequest("version must be the version the change was made to, a number");
            }
            expected = version.asLong();
        }
        String by = author == null || author.isNull() ? "api" : author.asText();
        if (by.isBlank() || by.length() > 128) {
            throw ApiException.badRequest("author must be 1-128 characters");
        }
        try {
            ctx.json(view(configs().put(ctx.pathParam("edge"), document, expected, by)));
        } catch (InvalidEdgeConfigException e) {
            throw new ApiException(Problem.of(400, "invalid-edge-config", "Invalid edge configuration", e.getMessage())
                    .with(Map.of("problems", e.problems())));
        } catch (EdgeConfigConflictException e) {
            throw new ApiException(Problem.of(
                            409, "edge-config-version-conflict", "Edge configuration version conflict", e.getMessage())
                    .with(Map.of("current_version", e.current())));
        }
    }

    /** At an edge: the configuration the cloud pushed that it applied last. */
    public void applied(Context ctx) {
        if (sync.sender().isEmpty()) {
            throw new ApiException(
                    409, "not-an-edge", "Not an edge", "this node forwards nothing (sync.role is not edge)");
        }
        EdgeConfig config = sync.appliedConfig()
                .orElseThrow(() -> new ApiException(
                        404,
                        "edge-config-not-found",
                        "No configuration from the cloud",
                        "the node this edge forwards to has pushed no configuration yet"));
        ctx.json(view(config));
    }

    /** A line of the sync status's edge list: the version kept for the edge and what it applied. */
    static Map<String, Object> summary(EdgeConfig config) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", config.version());
        view.put("applied", applied(config.applied()));
        return view;
    }

    private EdgeConfigs configs() {
        return sync.configs()
                .orElseThrow(() -> new ApiException(
                        409,
                        "not-a-cloud",
                        "Not receiving edges",
                        "this node receives no edges (sync.role is not cloud)"));
    }

    private Map<String, Object> view(EdgeConfig config) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("edge_id", config.edgeId());
        view.put("version", config.version());
        view.put("author", config.author());
        view.put("updated_at", iso(config.updatedAt()));
        try {
            view.put("document", json.readTree(config.document()));
        } catch (java.io.IOException e) {
            view.put("document", config.document());
        }
        view.put("applied", applied(config.applied()));
        return view;
    }

    private static Map<String, Object> applied(EdgeConfig.Applied applied) {
        if (applied == null) {
            return null;
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", applied.version());
        view.put("status", applied.status());
        view.put("at", iso(applied.at()));
        view.put("detail", applied.detail());
        return view;
    }

    private static String iso(Instant at) {
        return at == null ? null : at.toString();
    }
}
