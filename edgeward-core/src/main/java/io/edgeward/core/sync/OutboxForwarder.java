package io.edgeward.core.sync;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.telemetry.BatchProcessor;
import io.edgeward.core.telemetry.Forwarder;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.StreamRecord;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * At an edge: the group commit's share of the outbox. Raw points go to {@code sync.forward.raw}'s
 * stream unless an override selects them for another; the reduced stream's records (filters and
 * windows) go to {@code sync.forward.reduced}'s (medium). One outbox row per stream per commit, so the outbox costs a row insert
 * per commit, not per point.
 *
 * <p>When the high stream alone fills the outbox's disk quota, it refuses the commit ({@link
 * OutboxFullException}): nothing is acknowledged and devices resend later. That is the
 * backpressure the high stream gets instead of eviction.
 */
public final class OutboxForwarder implements Forwarder {

    private final SyncSettings settings;
    private final DeviceRepository devices;
    private final BooleanSupplier highFull;
    /** Devices' records for overrides that select by id, type or tag; forgotten when a device changes. */
    private final Map<DeviceId, Optional<Device>> deviceCache = new ConcurrentHashMap<>();

    /** @param highFull true while the high stream fills the outbox's quota */
    public OutboxForwarder(SyncSettings settings, DeviceRepository devices, BooleanSupplier highFull) {
        this.settings = settings;
        this.devices = devices;
        this.highFull = highFull;
    }

    /** The registry's change listener: the device's tags or type may have changed. */
    public void deviceChanged(DeviceId device) {
        deviceCache.remove(device);
    }

    @Override
    public List<OutboxSegment> forward(List<Point> accepted, BatchProcessor.Output processed) {
        Map<Priority, List<Record>> streams = new EnumMap<>(Priority.class);
        for (Point point : accepted) {
            Priority priority = priorityOf(point);
            if (priority != Priority.NONE) {
                streams.computeIfAbsent(priority, p -> new ArrayList<>()).add(SyncCodec.point(point));
            }
        }
        Priority reduced = settings.reduced();
        if (reduced != Priority.NONE) {
            for (StreamRecord record : processed.records()) {
                streams.computeIfAbsent(reduced, p -> new ArrayList<>()).add(SyncCodec.derived(record));
            }
        }
        if (streams.containsKey(Priority.HIGH) && highFull.getAsBoolean()) {
            throw new OutboxFullException();
        }
        List<OutboxSegment> segments = new ArrayList<>(streams.size());
        streams.forEach((priority, records) -> segments.add(SyncCodec.segment(priority, records)));
        return segments;
    }

    /** The stream a raw point goes to. */
    public Priority priorityOf(Point point) {
        for (ForwardRule rule : settings.overrides()) {
            if (!rule.needsDevice()) {
                if (rule.match().matches(null, point.metric())) {
                    return rule.priority();
                }
                continue;
            }
            Optional<Device> device = deviceCache.computeIfAbsent(point.device(), devices::find);
            if (device.isPresent() && rule.matches(device.get(), point.metric())) {
                return rule.priority();
            }
        }
        return settings.raw();
    }

    /** The high stream fills the outbox's quota: the commit is refused until the uplink drains it. */
    public static final class OutboxFullException extends RuntimeException {
        public OutboxFullException() {
            super("the sync outbox's high stream fills sync.outbox.max-disk; ingest waits for the uplink");
        }
    }
}
