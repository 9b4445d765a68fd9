package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandStatus;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.rules.Alarm;
import io.edgeward.core.rules.AlarmDocuments;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowUpdate;
import io.edgeward.core.sync.proto.EventRecord;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: what is not telemetry, queued on the high stream as it happens (each in a
 * transaction of its own, after the change it reports): device registrations, changes and
 * deletions as the registry has them then; devices coming online and going offline; shadow changes
 * made here (not those folded in from telemetry, which the cloud makes from the same telemetry,
 * nor those that came from the cloud); alarms; the outcome of commands the cloud sent.
 */
public final class EdgeEvents implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String edgeId;
    private final Threads threads;
    private final SyncMetrics metrics;
    private final Outbox outbox;
    private final DeviceRepository devices;
    private final Runnable wake;
    private final Clock clock;
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();

    /**
     * @param edgeId this edge's id, under which it keeps its own record of conflicts
     * @param wake tells the sender something is waiting on the high stream
     */
    public EdgeEvents(
            String edgeId,
            Outbox outbox,
            DeviceRepository devices,
            SyncMetrics metrics,
            Runnable wake,
            Clock clock,
            Threads threads) {
        this.threads = threads;
        this.edgeId = edgeId;
        this.metrics = metrics;
        this.outbox = outbox;
        this.devices = devices;
        this.wake = wake;
        this.clock = clock;
    }

    /**
     * A device record changed both here and in the cloud while apart: recorded here, in this edge's
     * own sync events (the cloud records the same conflict when this edge's record reaches it).
     */
    void conflict(DeviceId device, DeviceRegistry.Conflict conflict) {
        metrics.conflict(conflict.keptHere() ? "edge" : "cloud");
        String json = DeviceDocuments.conflict(conflict, "edge", "cloud");
        try {
            outbox.recordEvent(
                    edgeId, new EdgeEvent(edgeId, CONFLICT, device.value(), clock.millis(), json), EVENTS_KEPT);
        } catch (RuntimeException e) {
            if (failureLog.allow("conflict")) {
                LOG.error("Could not record a device conflict (not logged again for a minute)", e);
            }
        }
    }

    /** The outcome of applying a configuration version the cloud pushed. */
    void configApplied(EdgeConfig.Applied applied) {
        ObjectNode report = JSON.createObjectNode();
        report.put("version", applied.version());
        report.put("status", applied.status());
        report.put("at_ms", applied.at().toEpochMilli());
        report.put("detail", applied.detail());
        event(CONFIG_APPLIED, null, report);
    }

    /** The state a job the cloud sent reached here (its device's report, a timeout): {@code ota_progress}. */
    void otaProgress(DeviceId device, String cloudJobId, String status, Integer progress, String reason) {
        ObjectNode report = JSON.createObjectNode();
        report.put("job_id", cloudJobId);
        report.put("status", status);
        if (progress != null) {
            report.put("progress", progress);
        }
        if (reason != null) {
            report.put("reason", reason);
        }
        event(OTA_PROGRESS, device.value(), report);
    }

    /**
     * A rule's {@code forward} action: the firing ({@code rule_forward}) and the point that fired it,
     * up the high stream at once.
     */
    public void ruleForwarded(DeviceId device, Map<String, Object> firing) {
        long now = clock.millis();
        String json = JSON.valueToTree(firing).toString();
        queue(RULE_FORWARD, () -> SyncEvents.event(RULE_FORWARD, device.value(), now, json));
        Point point = pointOf(device, firing);
        if (point != null) {
            queue("point", () -> SyncCodec.point(point));
        }
    }

    private static Point pointOf(DeviceId device, Map<String, Object> firing) {
        if (!(firing.get("metric") instanceof String metric) || !(firing.get("ts") instanceof Number ts)) {
            return null;
        }
        Value value = switch (firing.get("value")) {
            case Number number -> Value.of(number.doubleValue());
            case Boolean bool -> Value.of(bool);
            case String text -> Value.of(text);
            case null, default -> null;
        };
        String unit = firing.get("unit") instanceof String text && !text.isEmpty() ? text : null;
        return value == null ? null : new Point(device, metric, ts.longValue(), value, unit);
    }

    public static final String RULE_FORWARD = "rule_forward";

    /** At a relay: an event an edge below reported (an alarm there), sent on up as it came. */
    void relayed(EventRecord event) {
        queue(event.getKind(), () -> Record.newBuilder().setEvent(event).build());
    }

    /** A release's image is wanted from {@code offset} on: {@code firmware_needed}. */
    void firmwareNeeded(String firmwareId, long offset) {
        ObjectNode request = JSON.createObjectNode();
        request.put("firmware_id", firmwareId);
        request.put("offset", offset);
        event(FIRMWARE_NEEDED, null, request);
    }

    public static final String OTA_PROGRESS = "ota_progress";
    public static final String FIRMWARE_NEEDED = "firmware_needed";

    /** The kind of event that reports a configuration version applied or failed. */
    static final String CONFIG_APPLIED = "config_applied";

    /** The kind of event that records a device record edited on both sides while apart. */
    static final String CONFLICT = "device_conflict";

    /** How many of its own events an edge keeps. */
    private static final int EVENTS_KEPT = 1000;

    /** The registry's listener of changes made here: registered, changed or deleted. */
    public void deviceChanged(DeviceId device) {
        long now = clock.millis();
        queue(
                "device",
                () -> devices.find(device).map(SyncEvents::device).orElseGet(() -> SyncEvents.deleted(device, now)));
    }

    /** The presence listener. */
    public void statusChanged(DeviceId device, DeviceStatus status) {
        long now = clock.millis();
        queue("status", () -> SyncEvents.status(device, status, now));
    }

    /** The shadow listener. */
    public void shadowChanged(ShadowUpdate update) {
        if (update.changedBy() == ChangedBy.SYNC || update.changedBy() == ChangedBy.TELEMETRY) {
            return;
        }
        ObjectNode document = JSON.createObjectNode();
        document.set("state", update.accepted().path("state").deepCopy());
        document.set("metadata", update.accepted().path("metadata").deepCopy());
        document.put("version", update.current().version());
        event("shadow", update.current().device().value(), document);
    }

    /** The rules' alarm listener: raised, acknowledged, cleared. */
    public void alarmChanged(Alarm alarm) {
        event("alarm", alarm.device().value(), JSON.valueToTree(AlarmDocuments.view(alarm)));
    }

    /** The command service's end listener: the outcome of a command the cloud sent goes back. */
    public void commandEnded(Command command) {
        String key = command.idempotencyKey();
        if (key == null || !key.startsWith(EdgeDownlink.CLOUD_KEY)) {
            return;
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("command_id", key.substring(EdgeDownlink.CLOUD_KEY.length()));
        result.put("status", command.status() == CommandStatus.SUCCEEDED ? "success" : "failed");
        result.put("edge_status", command.status().name().toLowerCase(java.util.Locale.ROOT));
        result.put("message", command.message() == null ? "" : command.message());
        event("command_result", command.device().value(), result);
    }

    /** A command from the cloud this edge cannot run (an unknown device): it fails there too. */
    void commandRefused(DeviceId device, String cloudId, String reason) {
        ObjectNode result = JSON.createObjectNode();
        result.put("command_id", cloudId);
        result.put("status", "failed");
        result.put("edge_status", "refused");
        result.put("message", "refused at the edge: " + reason);
        event("command_result", device.value(), result);
    }

    private void event(String kind, String device, JsonNode document) {
        long now = clock.millis();
        queue(kind, () -> SyncEvents.event(kind, device, now, document.toString()));
    }

    private record Pending(String what, Supplier<Record> record) {}

    /** Events waiting for the writer; when it is full, the caller appends its own (no event is dropped). */
    private final BlockingQueue<Pending> pending = new ArrayBlockingQueue<>(PENDING);

    static final int PENDING = 100_000;
    /** Events one outbox transaction takes at most. */
    static final int BATCH = 2_000;

    private volatile Thread writer;

    private void queue(String what, Supplier<Record> record) {
        Pending event = new Pending(what, record);
        if (writer == null || !pending.offer(event)) {
            append(List.of(event));
        }
    }

    /**
     * Starts the writer: events that come together (a reconnect storm's presence, a burst of alarms)
     * go up in one outbox transaction, in the order they came, rather than one each.
     */
    @Override
    public synchronized void start() {
        if (writer != null) {
            return;
        }
        writer = threads.platform("edge-events").newThread(this::write);
        writer.start();
    }

    private void write() {
        List<Pending> batch = new ArrayList<>();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Pending first = pending.take();
                batch.add(first);
                pending.drainTo(batch, BATCH - 1);
                append(batch);
            } catch (InterruptedException e) {
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void append(List<Pending> events) {
        List<Record> records = new ArrayList<>(events.size());
        for (Pending event : events) {
            try {
                records.add(event.record().get());
            } catch (RuntimeException e) {
                if (failureLog.allow(event.what())) {
                    LOG.error(
                            "Could not make a {} event for the cloud (not logged again for a minute)", event.what(), e);
                }
            }
        }
        if (records.isEmpty()) {
            return;
        }
        try {
            outbox.append(List.of(SyncCodec.segment(Priority.HIGH, records)));
            wake.run();
        } catch (RuntimeException e) {
            if (failureLog.allow("append")) {
                LOG.error(
                        "Could not queue {} event(s) for the cloud (not logged again for a minute)", records.size(), e);
            }
        }
    }

    /** Stops the writer after what waits is in the outbox. */
    @Override
    public void close() {
        Thread writing;
        synchronized (this) {
            writing = writer;
            writer = null;
        }
        if (writing != null) {
            writing.interrupt();
            try {
                writing.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Pending> left = new ArrayList<>();
        pending.drainTo(left);
        if (!left.isEmpty()) {
            append(left);
        }
    }
}
