package io.edgeward.core.device;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online/offline status from the broker's connection events.
 *
 * <p>Connections are counted per device, so a reconnect that takes over the old session (new
 * connection first, the old one's disconnect after) leaves the device online. Status writes go
 * through one thread, in event order, off the broker's threads.
 */
public final class Presence implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Presence.class);

    private final DeviceRepository repository;
    private final ConcurrentHashMap<DeviceId, Integer> connections = new ConcurrentHashMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("edgeward-presence").daemon().factory());

    public Presence(DeviceRepository repository) {
        this.repository = repository;
    }

    /** No device is connected before the broker starts: clears what a crash may have left online. */
    public void reset() {
        connections.clear();
        repository.markAllOffline();
    }

    public void connected(DeviceId id) {
        if (connections.merge(id, 1, Integer::sum) == 1) {
            write(id, DeviceStatus.ONLINE);
        }
    }

    public void disconnected(DeviceId id) {
        Integer left = connections.computeIfPresent(id, (key, count) -> count <= 1 ? null : count - 1);
        if (left == null) {
            write(id, DeviceStatus.OFFLINE);
        }
    }

    /** Devices with at least one open connection. */
    public int onlineCount() {
        return connections.size();
    }

    private void write(DeviceId id, DeviceStatus status) {
        writer.execute(() -> {
            try {
                repository.updatePresence(id, status);
            } catch (RuntimeException e) {
                LOG.warn("Could not record device '{}' as {}: {}", id, status.wireName(), e.getMessage());
            }
        });
    }

    /** Writes what is pending, then stops. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
