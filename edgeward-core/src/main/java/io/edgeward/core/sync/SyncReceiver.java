package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandResponseException;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceAlreadyExistsException;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.device.RecordChange;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.logs.LogEntry;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.sync.proto.DeviceRecord;
import io.edgeward.core.sync.proto.EventRecord;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.TelemetryPipeline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a node receiving edges: stores a frame an edge sent. Its segments already stored (a seq at or
 * below the stream's mark) are skipped; the points of the others go through this node's group
 * commit together with the stream's new mark, in one transaction, and the returned future
 * completes only then: a transport acknowledges the frame after that, so a frame resent after a
 * lost acknowledgement is recognised. Frames of one edge's stream are applied one after another.
 *
 * <p>A device behind an edge keeps its id here, attached to that edge (registered on its first
 * record). Records of a device that exists here and is not that edge's are refused and reported:
 * ids are unique across a fleet.
 */
public final class SyncReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(SyncReceiver.class);

    /** How many of an edge's events (alarms, evictions) are kept here. */
    private static final int EVENTS_KEPT = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TelemetryPipeline pipeline;
    private final DeviceRegistry registry;
    private final Presence presence;
    private final CommandService commands;
    private final ShadowService shadows;
    private final Outbox store;
    private final SyncMetrics metrics;
    private final EdgeRelay relay;
    private final EdgeConfigs configs;
    private final DeviceLogs logs;
    private final Clock clock;
    private final RateLimitedLog clashLog = RateLimitedLog.perMinute();
    /** edge + stream → the newest seq stored; loaded once, then kept by the commits this node makes. */
    private final Map<String, Long> marks = new ConcurrentHashMap<>();
    /** edge + stream → the frame being applied: the next waits for it. */
    private final Map<String, CompletableFuture<?>> tails = new ConcurrentHashMap<>();
    /** Devices known to be attached to an edge (device → edge), to skip the lookups. */
    private final Map<DeviceId, String> attached = new ConcurrentHashMap<>();

    private volatile boolean loaded;
    /** A virtual thread per frame being applied. */
    private final Executor appliers;

    public SyncReceiver(
            TelemetryPipeline pipeline,
            DeviceRegistry registry,
            Presence presence,
            CommandService commands,
            ShadowService shadows,
            Outbox store,
            SyncMetrics metrics,
            EdgeRelay relay,
            EdgeConfigs configs,
            DeviceLogs logs,
            Clock clock,
            Threads threads) {
        this.logs = logs;
        this.relay = relay;
        this.configs = configs;
        this.appliers = Executors.newThreadPerTaskExecutor(threads.virtual("sync-receive"));
        this.pipeline = pipeline;
        this.registry = registry;
        this.presence = presence;
        this.commands = commands;
        this.shadows = shadows;
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** What became of a frame. */
    public record Outcome(int segments, int skipped, int points, int refusedRecords) {}

    /**
     * Decodes the frame and, unless it is malformed or another edge's, stores it.
     *
     * @param edge the authenticated edge (the gateway device the transport authenticated)
     * @throws SyncCodec.MalformedFrameException when the frame cannot be read, or names another edge: refuse it
     */
    public CompletableFuture<Outcome> receive(String edge, byte[] frame) {
        SyncCodec.Decoded decoded;
        try {
            decoded = SyncCodec.decode(frame);
        } catch (SyncCodec.MalformedFrameException e) {
            metrics.refused();
            throw e;
        }
        if (!decoded.edgeId().equals(edge)) {
            metrics.refused();
            throw new SyncCodec.MalformedFrameException(
                    "a frame of edge '" + decoded.edgeId() + "' sent by '" + edge + "'");
        }
        String key = edge + "\u0000" + decoded.stream().wireName();
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        CompletableFuture<?> previous = tails.put(key, result);
        CompletableFuture<?> before = previous == null ? CompletableFuture.completedFuture(null) : previous;
        before.handle((ignored, failure) -> null)
                // Off the thread that completed the previous frame (the telemetry writer): applying one
                // looks devices up and registers them.
                .thenComposeAsync(ignored -> apply(key, decoded, frame.length), appliers)
                .whenComplete((outcome, failure) -> {
                    tails.remove(key, result);
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(outcome);
                    }
                });
        return result;
    }

    private CompletableFuture<Outcome> apply(String key, SyncCodec.Decoded frame, int frameBytes) {
        loadMarks();
        long mark = marks.getOrDefault(key, 0L);
        List<SyncCodec.ReceivedSegment> fresh = new ArrayList<>();
        for (SyncCodec.ReceivedSegment segment : frame.segments()) {
            if (segment.seq() > mark) {
                fresh.add(segment);
            }
        }
        int skipped = frame.segments().size() - fresh.size();
        if (fresh.isEmpty()) {
            metrics.received(frameBytes, 0, skipped);
            return CompletableFuture.completedFuture(new Outcome(0, skipped, 0, 0));
        }
        String edge = frame.edgeId();
        List<Point> points = new ArrayList<>();
        List<LogEntry> lines = new ArrayList<>();
        Set<DeviceId> clashing = new HashSet<>();
        int refused = 0;
        for (SyncCodec.ReceivedSegment segment : fresh) {
            for (Record record : segment.records()) {
                if (!applyRecord(edge, record, points, lines, clashing)) {
                    refused++;
                }
            }
        }
        // Stored once per (edge, line id), before the mark: a frame sent again adds none twice.
        logs.fromEdge(edge, lines);
        if (refused > 0) {
            metrics.refused();
        }
        SyncCodec.ReceivedSegment last = fresh.getLast();
        SyncMark newMark = new SyncMark(edge, frame.stream(), last.seq(), last.createdAt());
        long now = clock.millis();
        TelemetryMessage message = new TelemetryMessage(
                DeviceId.of(edge), DeviceType.GATEWAY, new byte[0], PayloadFormat.PROTOBUF, now, System.nanoTime());
        int refusedRecords = refused;
        return pipeline.storeForwarded(message, points, newMark).thenApply(stored -> {
            marks.merge(key, last.seq(), Math::max);
            metrics.received(frameBytes, fresh.size(), skipped);
            return new Outcome(fresh.size(), skipped, points.size(), refusedRecords);
        });
    }

    /** @return false when the record is refused (its device is another's) */
    private boolean applyRecord(
            String edge, Record record, List<Point> points, List<LogEntry> lines, Set<DeviceId> clashing) {
        try {
            switch (record.getKindCase()) {
                case POINT -> {
                    Point point = SyncCodec.toPoint(record.getPoint());
                    if (!owns(edge, point.device(), clashing)) {
                        return false;
                    }
                    points.add(point);
                }
                case DERIVED -> {
                    Point point = SyncCodec.toPoint(record.getDerived());
                    if (!owns(edge, point.device(), clashing)) {
                        return false;
                    }
                    points.add(point);
                }
                case DEVICE -> {
                    return device(edge, record.getDevice(), clashing);
                }
                case STATUS -> {
                    DeviceId device = DeviceId.of(record.getStatus().getDevice());
                    if (!owns(edge, device, clashing)) {
                        return false;
                    }
                    presence.reported(
                            device, DeviceStatus.fromWire(record.getStatus().getStatus()));
                }
                case EVENT -> {
                    return event(edge, record.getEvent(), clashing);
                }
                case LOG -> {
                    LogEntry line = SyncCodec.toLog(record.getLog(), edge);
                    // The edge's own lines are under its id, this node's gateway device.
                    if (!line.device().value().equals(edge) && !owns(edge, line.device(), clashing)) {
                        return false;
                    }
                    lines.add(line);
                }
                case KIND_NOT_SET -> {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            // A record this node cannot take (a metric name it refuses): counted, the rest goes on.
            if (clashLog.allow("record:" + edge)) {
                LOG.warn("Refused a record from edge '{}': {} (not logged again for a minute)", edge, e.getMessage());
            }
            return false;
        }
    }

    /** @return false when the event is refused (its device is another's, or it does not apply) */
    private boolean event(String edge, EventRecord event, Set<DeviceId> clashing) {
        DeviceId device = event.getDevice().isEmpty() ? null : DeviceId.of(event.getDevice());
        if (device != null && !owns(edge, device, clashing)) {
            return false;
        }
        switch (event.getKind()) {
            case "command_result" -> {
                try {
                    commands.respond(device, event.getJson().getBytes(StandardCharsets.UTF_8));
                } catch (CommandResponseException e) {
                    return false; // counted by the command service; the first outcome stands
                }
            }
            case "shadow" -> {
                try {
                    ObjectNode request = ShadowMerge.newer(shadows.get(device), JSON.readTree(event.getJson()), false);
                    if (request != null) {
                        shadows.update(device, request, ChangedBy.EDGE);
                    }
                } catch (IOException | ShadowException e) {
                    return false;
                }
            }
            case EdgeEvents.CONFIG_APPLIED -> {
                configs.reported(edge, event.getJson());
                store.recordEvent(
                        edge,
                        new EdgeEvent(edge, event.getKind(), null, event.getAtMs(), event.getJson()),
                        EVENTS_KEPT);
            }
            default -> {
                EventHandler handler = handlers.get(event.getKind());
                if (handler != null) {
                    handler.handle(edge, device == null ? null : device.value(), event.getJson());
                    return true;
                }
                store.recordEvent(
                        edge,
                        new EdgeEvent(
                                edge,
                                event.getKind(),
                                device == null ? null : device.value(),
                                event.getAtMs(),
                                event.getJson()),
                        EVENTS_KEPT);
                // At a node that forwards too (a relay): an edge's alarms and other events go on up.
                if (relayUp != null && device != null) {
                    relayUp.relayed(event);
                }
            }
        }
        return true;
    }

    private boolean device(String edge, DeviceRecord record, Set<DeviceId> clashing) {
        DeviceId id = DeviceId.of(record.getId());
        if (!owns(edge, id, clashing)) {
            return false;
        }
        if (record.getDeleted()) {
            if (registry.find(id).isPresent()) {
                registry.delete(id.value(), DeviceRegistry.Origin.FROM_EDGE);
            }
            attached.remove(id);
            return true;
        }
        NewDevice offered = new NewDevice(
                id,
                emptyToNull(record.getName()),
                DeviceType.fromWire(record.getType()),
                emptyToNull(record.getModel()),
                emptyToNull(record.getFirmwareVersion()),
                emptyToNull(record.getLocation()),
                record.getMetadataJson().isEmpty() ? Map.of() : Jsons.map(record.getMetadataJson()),
                Set.copyOf(record.getTagsList()));
        DeviceRegistry.Synced synced =
                registry.applyFromEdge(offered, DeviceDocuments.change(record.getChangedAtMs(), record.getBasedOnMs()));
        DeviceRegistry.Conflict conflict = synced.conflict();
        if (conflict != null) {
            // Changed here too while apart: the newer change stands, the other is recorded; when this
            // node's stands, it goes down so that both sides hold it.
            store.recordEvent(
                    edge,
                    new EdgeEvent(
                            edge,
                            EdgeEvents.CONFLICT,
                            id.value(),
                            clock.millis(),
                            DeviceDocuments.conflict(conflict, "cloud", "edge")),
                    EVENTS_KEPT);
            metrics.conflict(conflict.keptHere() ? "cloud" : "edge");
            if (conflict.keptHere()) {
                relay.keptNewer(id);
            }
        }
        return true;
    }

    /**
     * True when the device is this edge's: attached to it already, or unknown here and now attached
     * (registered). A device that exists here and is not this edge's clashes.
     */
    private boolean owns(String edge, DeviceId device, Set<DeviceId> clashing) {
        String owner = attached.get(device);
        if (owner != null) {
            return owner.equals(edge) || clash(edge, device, owner, clashing);
        }
        Optional<String> stored = store.edgeOf(device);
        if (stored.isPresent()) {
            attached.put(device, stored.get());
            return stored.get().equals(edge) || clash(edge, device, stored.get(), clashing);
        }
        if (registry.find(device).isPresent()) {
            return clash(edge, device, null, clashing);
        }
        try {
            // A placeholder until the device's record arrives, as old as can be so that record wins.
            registry.applyFromEdge(NewDevice.of(device, DeviceType.SENSOR), new RecordChange(Instant.EPOCH, null));
        } catch (DeviceAlreadyExistsException e) {
            return clash(edge, device, null, clashing);
        }
        store.attach(device, edge, false);
        attached.put(device, edge);
        return true;
    }

    private boolean clash(String edge, DeviceId device, String owner, Set<DeviceId> clashing) {
        if (clashing.add(device) && clashLog.allow("clash:" + edge + ":" + device.value())) {
            LOG.warn(
                    "Edge '{}' sent records of device '{}', which is {} here: refused (device ids must be unique across"
                            + " the fleet; not logged again for a minute)",
                    edge,
                    device,
                    owner == null ? "a device of this node" : "attached to edge '" + owner + "'");
        }
        return false;
    }

    private void loadMarks() {
        if (loaded) {
            return;
        }
        synchronized (marks) {
            if (!loaded) {
                for (EdgeMark mark : store.marks()) {
                    marks.merge(mark.edgeId() + "\u0000" + mark.stream().wireName(), mark.seq(), Math::max);
                }
                loaded = true;
            }
        }
    }

    /** What an edge reported that another part handles: its edge, device (or null) and document. */
    @FunctionalInterface
    public interface EventHandler {
        void handle(String edge, String device, String json);
    }

    private final Map<String, EventHandler> handlers = new ConcurrentHashMap<>();

    private volatile EdgeEvents relayUp;

    /** At a node with both roles: what edges report that is not applied here goes on up through {@code events}. */
    public void relayEventsTo(EdgeEvents events) {
        this.relayUp = events;
    }

    /** Events of this kind from edges go to {@code handler} (registered by the root, before edges connect). */
    public void onEvent(String kind, EventHandler handler) {
        handlers.put(kind, handler);
    }

    /** How far each edge's streams are stored, for the status page. */
    public List<EdgeMark> edges() {
        return store.marks();
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }

    /** Jackson for a device's metadata. */
    private static final class Jsons {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
                new com.fasterxml.jackson.databind.ObjectMapper();

        static Map<String, Object> map(String json) {
            try {
                return MAPPER.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<>() {});
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("device metadata is not a JSON object");
            }
        }
    }
}
