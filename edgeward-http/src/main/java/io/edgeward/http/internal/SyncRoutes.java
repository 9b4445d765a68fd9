package io.edgeward.http.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.sync.EdgeMark;
import io.edgeward.core.sync.ParkedEntry;
import io.edgeward.core.sync.StreamStatus;
import io.edgeward.core.sync.Sync;
import io.edgeward.core.sync.SyncStatus;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/sync}: the outbox's streams and the link at an edge, the edges and their lag at a
 * node receiving them; the parked rows; a flush of the batched streams.
 */
public final class SyncRoutes {

    private final Sync sync;
    private final ObjectMapper json;
    private final Clock clock;

    public SyncRoutes(Sync sync, ObjectMapper json, Clock clock) {
        this.sync = sync;
        this.json = json;
        this.clock = clock;
    }

    public void status(Context ctx) {
        SyncStatus status = sync.status();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("roles", status.roles());
        view.put("edge_id", status.edgeId().isEmpty() ? null : status.edgeId());
        view.put("uplink", status.uplink().isEmpty() ? null : status.uplink());
        view.put("link", status.link());
        view.put("last_error", status.lastError());
        view.put("last_error_at", time(status.lastErrorAt()));
        view.put("streams", status.streams().stream().map(SyncRoutes::stream).toList());
        view.put("parked", status.parked());
        view.put("edges", edges(status.edges()));
        // The configuration pushed to each edge, and what it reported applied.
        sync.configs().ifPresent(configs -> {
            Map<String, Object> byEdge = new LinkedHashMap<>();
            configs.list().forEach(config -> byEdge.put(config.edgeId(), EdgeConfigRoutes.summary(config)));
            view.put("edge_configs", byEdge);
        });
        ctx.json(view);
    }

    public void parked(Context ctx) {
        int limit = ctx.queryParam("limit") == null
                ? RolloutRoutes.DEFAULT_PAGE
                : Params.integer("limit", ctx.queryParam("limit"), 1, RolloutRoutes.MAX_PAGE);
        List<Map<String, Object>> rows =
                sync.parked(limit).stream().map(SyncRoutes::parked).toList();
        ctx.json(Map.of("parked", rows));
    }

    /** Sends the medium and low streams now (202): an operator before a maintenance window, a test. */
    public void flush(Context ctx) {
        var sender = sync.sender()
                .orElseThrow(() -> new ApiException(
                        409, "not-an-edge", "Not an edge", "this node forwards nothing (sync.role is not edge)"));
        sender.flush();
        ctx.status(202).json(Map.of("flushing", List.of("medium", "low")));
    }

    record ResyncRequest(
            @JsonProperty("device") String device,
            @JsonProperty("from") String from,
            @JsonProperty("to") String to) {}

    /**
     * At an edge: sends a device's (or every device's) history for a time range again (202, with
     * its progress). In the cloud, {@code POST /api/v1/sync/edges/{edge}/resync} asks an edge for it.
     */
    public void resync(Context ctx) {
        ResyncRequest request = Bodies.read(json, ctx, ResyncRequest.class);
        long from = request.from() == null ? 0 : Params.time("from", request.from());
        long to = request.to() == null ? clock.millis() + 1 : Params.time("to", request.to());
        var resync = sync.resync()
                .orElseThrow(() -> new ApiException(
                        409, "not-an-edge", "Not an edge", "this node forwards nothing (sync.role is not edge)"));
        try {
            ctx.status(202).json(progress(resync.start(request.device(), from, to)));
        } catch (IllegalStateException e) {
            throw new ApiException(409, "resync-running", "A resync is running", e.getMessage());
        }
    }

    public void resyncProgress(Context ctx) {
        var progress = sync.resync().map(resync -> resync.progress()).orElse(null);
        ctx.json(progress == null ? Map.of("state", "none") : progress(progress));
    }

    /** In the cloud: asks a connected edge to send its history again (202). */
    public void resyncEdge(Context ctx) {
        ResyncRequest request = Bodies.read(json, ctx, ResyncRequest.class);
        long from = request.from() == null ? 0 : Params.time("from", request.from());
        long to = request.to() == null ? clock.millis() + 1 : Params.time("to", request.to());
        var relay = sync.relay()
                .orElseThrow(() -> new ApiException(
                        409,
                        "not-a-cloud",
                        "Not receiving edges",
                        "this node receives no edges (sync.role is not cloud)"));
        String edge = ctx.pathParam("edge");
        if (!relay.resync(edge, request.device(), from, to)) {
            throw new ApiException(
                    409,
                    "edge-offline",
                    "Edge not connected",
                    "edge '" + Params.abbreviate(edge) + "' is not connected to this node; ask again once it is");
        }
        ctx.status(202).json(Map.of("edge_id", edge, "requested", true));
    }

    /** In the cloud: what edges reported that is not telemetry (alarms, evictions), newest first. */
    public void events(Context ctx) {
        int limit = ctx.queryParam("limit") == null
                ? RolloutRoutes.DEFAULT_PAGE
                : Params.integer("limit", ctx.queryParam("limit"), 1, RolloutRoutes.MAX_PAGE);
        List<Map<String, Object>> events = sync.events(ctx.queryParam("edge"), limit).stream()
                .map(event -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("edge_id", event.edgeId());
                    view.put("kind", event.kind());
                    view.put("device_id", event.device());
                    view.put("at", time(event.at()));
                    view.put("event", readTree(event.json()));
                    return view;
                })
                .toList();
        ctx.json(Map.of("events", events));
    }

    private Object readTree(String text) {
        try {
            return json.readTree(text);
        } catch (java.io.IOException e) {
            return text;
        }
    }

    private static Map<String, Object> progress(io.edgeward.core.sync.Resync.Progress progress) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("state", progress.state());
        view.put("device_id", progress.device());
        view.put("from", time(progress.from()));
        view.put("to", time(progress.to()));
        view.put("devices", progress.devices());
        view.put("devices_done", progress.devicesDone());
        view.put("points", progress.points());
        view.put("started_at", time(progress.startedAt()));
        view.put("finished_at", time(progress.finishedAt()));
        view.put("error", progress.error());
        return view;
    }

    private static Map<String, Object> stream(StreamStatus stream) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("stream", stream.stream().wireName());
        view.put("backlog_rows", stream.rows());
        view.put("backlog_records", stream.records());
        view.put("backlog_bytes", stream.bytes());
        view.put("oldest_age_seconds", stream.oldestAgeSeconds());
        view.put("last_success_at", time(stream.lastSuccessAt()));
        view.put("bytes_sent_today", stream.bytesSentToday());
        view.put("compression_ratio", stream.compressionRatio());
        view.put("evicted_records", stream.evictedRecords());
        return view;
    }

    private static List<Map<String, Object>> edges(List<EdgeMark> marks) {
        Map<String, List<EdgeMark>> byEdge = new LinkedHashMap<>();
        marks.forEach(mark -> byEdge.computeIfAbsent(mark.edgeId(), id -> new java.util.ArrayList<>())
                .add(mark));
        return byEdge.entrySet().stream()
                .map(edge -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("edge_id", edge.getKey());
                    // The lag: how old the newest data stored of its high stream was when it arrived.
                    view.put(
                            "lag_seconds",
                            edge.getValue().stream()
                                    .filter(mark -> mark.stream() == io.edgeward.core.sync.Priority.HIGH)
                                    .mapToDouble(mark -> Math.max(0, mark.updatedAt() - mark.segmentAt()) / 1000.0)
                                    .findFirst()
                                    .orElse(0));
                    view.put(
                            "last_received_at",
                            time(edge.getValue().stream()
                                    .mapToLong(EdgeMark::updatedAt)
                                    .max()
                                    .orElse(0)));
                    view.put(
                            "streams",
                            edge.getValue().stream()
                                    .map(mark -> {
                                        Map<String, Object> stream = new LinkedHashMap<>();
                                        stream.put("stream", mark.stream().wireName());
                                        stream.put("seq", mark.seq());
                                        stream.put("segment_at", time(mark.segmentAt()));
                                        stream.put("received_at", time(mark.updatedAt()));
                                        return stream;
                                    })
                                    .toList());
                    return view;
                })
                .toList();
    }

    private static Map<String, Object> parked(ParkedEntry entry) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("seq", entry.seq());
        view.put("stream", entry.stream().wireName());
        view.put("records", entry.records());
        view.put("created_at", time(entry.createdAt()));
        view.put("parked_at", time(entry.parkedAt()));
        view.put("reason", entry.reason());
        return view;
    }

    private static String time(long millis) {
        return millis <= 0 || millis == Long.MAX_VALUE
                ? null
                : java.time.Instant.ofEpochMilli(millis).toString();
    }
}
