package io.edgeward.core.device;

import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online/offline status from the protocol adapters' connection events, and when each device was
 * last heard from.
 *
 * <p>Connections are counted per device, so a reconnect that takes over the old session (new
 * connection first, the old one's disconnect after) leaves the device online. Status writes go
 * through one thread, off the broker's threads, and are coalesced: each write takes every status
 * changed since the last one into one transaction, so a reconnect storm of 10,000 devices costs a
 * few transactions rather than 10,000, and a device that connects and drops before the write is
 * recorded in its final state only.
 *
 * <p>{@code last_seen} moves with every message but is written at most once per device per flush
 * interval: the newest time is kept in memory and the registry shows it before it is written.
 */
public final class Presence implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(Presence.class);

    private final DeviceRepository repository;
    private final Duration flushInterval;
    private final ConcurrentHashMap<DeviceId, Integer> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<DeviceId, Long> unwrittenLastSeen = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<DeviceId, DeviceStatus> unwrittenStatus = new ConcurrentHashMap<>();
    /** Set while a status write is queued on the writer and has not begun to drain unwrittenStatus. */
    private final AtomicBoolean statusWriteQueued = new AtomicBoolean();
    /** The one thread that writes statuses and last-seen times; its first task marks every device offline. */
    private final ScheduledExecutorService writer;

    public Presence(DeviceRepository repository, Duration flushInterval, Threads threads) {
        this.repository = repository;
        this.flushInterval = flushInterval;
        this.writer = Executors.newSingleThreadScheduledExecutor(threads.platform("presence"));
    }

    /**
     * No device is connected before the transports start: clears what a crash may have left
     * online (at once, before returning), then writes on a schedule.
     */
    @Override
    public void start() {
        connections.clear();
        repository.markAllOffline();
        long period = flushInterval.toMillis();
        writer.scheduleWithFixedDelay(
                () -> {
                    // Statuses left over by a failed write are retried here.
                    writeStatuses();
                    flushLastSeen();
                },
                period,
                period,
                TimeUnit.MILLISECONDS);
    }

    public void connected(DeviceId id) {
        seen(id);
        if (connections.merge(id, 1, Integer::sum) == 1) {
            write(id, DeviceStatus.ONLINE);
            changed(id, DeviceStatus.ONLINE);
        }
    }

    public void disconnected(DeviceId id) {
        seen(id);
        Integer left = connections.computeIfPresent(id, (key, count) -> count <= 1 ? null : count - 1);
        if (left == null) {
            write(id, DeviceStatus.OFFLINE);
            changed(id, DeviceStatus.OFFLINE);
        }
    }

    /**
     * A device connected elsewhere (behind an edge) came online or went offline there: its status
     * here follows, though it holds no connection to this node.
     */
    public void reported(DeviceId id, DeviceStatus status) {
        write(id, status);
        changed(id, status);
    }

    /** Told when a device comes online or goes offline (on the caller's thread: keep it short). */
    public void addListener(BiConsumer<DeviceId, DeviceStatus> listener) {
        listeners.add(listener);
    }

    private void changed(DeviceId id, DeviceStatus status) {
        for (BiConsumer<DeviceId, DeviceStatus> listener : listeners) {
            listener.accept(id, status);
        }
    }

    /** A message arrived from the device now. Costs a map update, never a write. */
    public void seen(DeviceId id) {
        unwrittenLastSeen.merge(id, System.currentTimeMillis(), Math::max);
    }

    /**
     * Messages of these devices were stored now (the post-commit stage hands over the devices of
     * each committed batch), so that last_seen moves with every stored message, whatever its
     * transport, at a map update per run of one device's points.
     */
    public void seenAll(Iterable<DeviceId> devices) {
        long now = System.currentTimeMillis();
        DeviceId previous = null;
        for (DeviceId device : devices) {
            // A batch holds runs of one device's points: skip the repeats without a set.
            if (!device.equals(previous)) {
                previous = device;
                unwrittenLastSeen.merge(device, now, Math::max);
            }
        }
    }

    private final List<BiConsumer<DeviceId, DeviceStatus>> listeners = new CopyOnWriteArrayList<>();

    public boolean isConnected(DeviceId id) {
        return connections.containsKey(id);
    }

    /** Devices with at least one open connection. */
    public int onlineCount() {
        return connections.size();
    }

    /** The device with the newest last-seen time, including one not yet written. */
    Device current(Device device) {
        Long unwritten = unwrittenLastSeen.get(device.id());
        if (unwritten == null || (device.lastSeen() != null && device.lastSeen().toEpochMilli() >= unwritten)) {
            return device;
        }
        return new Device(
                device.id(),
                device.name(),
                device.type(),
                device.model(),
                device.firmwareVersion(),
                device.status(),
                device.location(),
                Instant.ofEpochMilli(unwritten),
                device.registeredAt(),
                device.metadata(),
                device.tags(),
                device.updatedAt(),
                device.basedOn(),
                device.edge());
    }

    /** Forgets a deleted device. */
    void forget(DeviceId id) {
        unwrittenLastSeen.remove(id);
    }

    private void write(DeviceId id, DeviceStatus status) {
        unwrittenStatus.put(id, status);
        if (statusWriteQueued.compareAndSet(false, true)) {
            writer.execute(this::writeStatuses);
        }
    }

    /** On the writer thread: every status changed since the last write, in one transaction. */
    private void writeStatuses() {
        // Cleared before draining: a status put from now on queues another write.
        statusWriteQueued.set(false);
        if (unwrittenStatus.isEmpty()) {
            return;
        }
        Map<DeviceId, DeviceStatus> batch = new HashMap<>(unwrittenStatus);
        try {
            repository.updatePresence(batch);
            // A device whose status changed again meanwhile keeps its entry for the next write.
            batch.forEach(unwrittenStatus::remove);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Could not record the online status of {} devices (retried within {}): {}",
                    batch.size(),
                    flushInterval,
                    e.getMessage());
        }
    }

    private void flushLastSeen() {
        if (unwrittenLastSeen.isEmpty()) {
            return;
        }
        Map<DeviceId, Long> batch = new HashMap<>();
        for (DeviceId id : unwrittenLastSeen.keySet()) {
            Long at = unwrittenLastSeen.get(id);
            if (at != null) {
                batch.put(id, at);
            }
        }
        try {
            repository.touchLastSeen(batch);
            // Keep an entry that moved on while the batch was written; the next flush takes it.
            batch.forEach((id, at) -> unwrittenLastSeen.remove(id, at));
        } catch (RuntimeException e) {
            LOG.warn("Could not record last-seen times of {} devices: {}", batch.size(), e.getMessage());
        }
    }

    /** Writes what is pending, then stops. */
    @Override
    public void close() {
        if (writer.isShutdown()) {
            return;
        }
        writer.execute(() -> {
            writeStatuses();
            flushLastSeen();
        });
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
