package io.edgeward.core.logs;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.sync.OutboxSegment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device logs: a message a device publishes is parsed, held to the device's rate, and stored by one
 * writer that commits what waits together (a future completes once its lines are on disk: the
 * device's acknowledgement waits for it). At an edge the same transaction appends the lines to the
 * outbox's low stream. Lines older than {@code logs.retention} are deleted hourly.
 */
public final class DeviceLogs implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceLogs.class);
    /** Messages waiting for the writer; over it, a device is refused (and sends again later). */
    static final int QUEUE = 4096;
    /** Lines one transaction takes at most. */
    static final int BATCH = 2000;

    private final DeviceLogRepository store;
    private final LogSettings settings;
    private final Clock clock;
    private final Threads threads;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Map<DeviceId, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<LogLevel, Counter> stored = new EnumMap<>(LogLevel.class);
    private final Map<LogRefusedException.Reason, Counter> refused = new EnumMap<>(LogRefusedException.Reason.class);
    private final RateLimitedLog failures = RateLimitedLog.perMinute();
    private volatile Function<List<LogEntry>, List<OutboxSegment>> forward = entries -> List.of();
    private volatile Runnable forwarded = () -> {};
    private Thread writer;
    private ScheduledExecutorService expiry;
    private volatile boolean running;

    private record Pending(List<LogEntry> entries, CompletableFuture<Void> done) {}

    public DeviceLogs(
            DeviceLogRepository store, LogSettings settings, MeterRegistry meters, Clock clock, Threads threads) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.threads = threads;
        for (LogLevel level : LogLevel.values()) {
            stored.put(
                    level,
                    Counter.builder("edgeward.device.logs")
                            .description("Device log lines stored, by level")
                            .tag("level", level.wireName())
                            .register(meters));
        }
        for (LogRefusedException.Reason reason : LogRefusedException.Reason.values()) {
            refused.put(
                    reason,
                    Counter.builder("edgeward.device.logs.refused")
                            .description("Device log messages refused: malformed, or over logs.max-rate")
                            .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                            .register(meters));
        }
    }

    /**
     * At an edge: what the lines become in the outbox, in the transaction that stores them, and
     * what to tell once they are there.
     */
    public void forwardWith(Function<List<LogEntry>, List<OutboxSegment>> forward, Runnable forwarded) {
        this.forward = forward;
        this.forwarded = forwarded;
    }

    public LogSettings settings() {
        return settings;
    }

    /**
     * A device's log message: stored when the future completes.
     *
     * @throws LogRefusedException when it is malformed or over the device's rate (nothing is stored)
     */
    public CompletableFuture<Void> publish(DeviceId device, byte[] payload) {
        List<LogEntry> entries;
        try {
            entries = LogDocuments.parse(device, payload, clock.millis(), settings.maxLine());
        } catch (LogRefusedException e) {
            refused.get(e.reason()).increment();
            throw e;
        }
        if (!buckets.computeIfAbsent(device, d -> new Bucket(settings.maxRate(), System.nanoTime()))
                .take(entries.size(), System.nanoTime())) {
            refused.get(LogRefusedException.Reason.RATE).increment();
            throw new LogRefusedException(
                    LogRefusedException.Reason.RATE,
                    "over logs.max-rate (" + settings.maxRate() + " lines a second) for device '" + device + "'");
        }
        return enqueue(entries);
    }

    /** A line of the node's own (at an edge, under the edge's id): kept if there is room, never waited for. */
    public void record(LogEntry entry) {
        if (running) {
            queue.offer(new Pending(List.of(entry), new CompletableFuture<>()));
        }
    }

    private CompletableFuture<Void> enqueue(List<LogEntry> entries) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running || !queue.offer(new Pending(entries, done))) {
            done.completeExceptionally(new IllegalStateException("the log writer is busy; send again later"));
        }
        return done;
    }

    public List<LogEntry> query(DeviceId device, long from, long to, LogLevel level, long before, int limit) {
        return store.query(device, from, to, level, before, limit);
    }

    /** At a node receiving edges: an edge's lines, each stored once. */
    public int fromEdge(String edgeId, List<LogEntry> entries) {
        int added = store.appendFromEdge(edgeId, entries, forward);
        if (added > 0) {
            forwarded.run();
        }
        entries.forEach(entry -> stored.get(entry.level()).increment());
        return added;
    }

    /** The registry's deletion listener. */
    public void deleteDevice(DeviceId device) {
        buckets.remove(device);
        store.deleteDevice(device);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        writer = threads.platform("device-logs").newThread(this::write);
        writer.start();
        expiry = Executors.newSingleThreadScheduledExecutor(threads.platform("device-logs-expiry"));
        expiry.scheduleWithFixedDelay(this::expire, 1, 60, TimeUnit.MINUTES);
    }

    private void write() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int lines = first.entries().size();
                while (lines < BATCH) {
                    Pending next = queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                    lines += next.entries().size();
                }
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Pending> batch) {
        List<LogEntry> entries = new ArrayList<>();
        batch.forEach(pending -> entries.addAll(pending.entries()));
        try {
            store.append(entries, forward);
        } catch (RuntimeException e) {
            if (failures.allow("commit")) {
                LOG.error("Could not store {} device log line(s) (not logged again for a minute)", entries.size(), e);
            }
            batch.forEach(pending -> pending.done().completeExceptionally(e));
            return;
        }
        entries.forEach(entry -> stored.get(entry.level()).increment());
        batch.forEach(pending -> pending.done().complete(null));
        forwarded.run();
    }

    private void expire() {
        try {
            long deleted =
                    store.deleteBefore(clock.millis() - settings.retention().toMillis());
            if (deleted > 0) {
                LOG.info("Device logs: {} line(s) older than {} deleted", deleted, settings.retention());
            }
            long now = System.nanoTime();
            buckets.values().removeIf(bucket -> bucket.full(now));
        } catch (RuntimeException e) {
            LOG.warn("Device logs: expiry failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        Thread writing;
        synchronized (this) {
            running = false;
            writing = writer;
            if (expiry != null) {
                expiry.shutdownNow();
            }
        }
        if (writing != null) {
            try {
                writing.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.done().completeExceptionally(new IllegalStateException("the node is stopping"));
        }
    }

    /** A token bucket: {@code rate} lines a second, ten seconds' worth at most. */
    private static final class Bucket {
        private final double rate;
        private final double capacity;
        private double tokens;
        private long at;

        Bucket(int rate, long now) {
            this.rate = rate;
            this.capacity = rate * 10.0;
            this.tokens = capacity;
            this.at = now;
        }

        synchronized boolean take(int lines, long now) {
            refill(now);
            if (tokens < lines) {
                return false;
            }
            tokens -= lines;
            return true;
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            tokens = Math.min(capacity, tokens + (now - at) / 1e9 * rate);
            at = now;
        }
    }
}
