package io.edgeward.core.sync;

import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: drains the outbox through the uplink, one frame at a time, always the highest
 * priority first. High goes as soon as it is committed; medium and low wait for their interval
 * (or a full frame) and then drain to empty, checking high between frames. A row leaves the outbox
 * only once the uplink says the other side has it. A failure waits with exponential backoff and
 * jitter; a frame the other side refuses is split, and the one row it refuses alone is parked, so
 * it never blocks the rows behind it.
 *
 * <p>It also keeps the outbox within {@code sync.outbox.max-disk}: the oldest low rows go first,
 * then medium, each eviction counted, logged and reported up the high stream; high is never
 * evicted ({@link #highFull()} makes ingest wait instead).
 */
public final class SyncSender implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(SyncSender.class);
    /** How often the backlog's figures are read again from the store (a grouped sum over one row per commit). */
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final long FIRST_BACKOFF_MILLIS = 500;

    private final Outbox outbox;
    private final Uplink uplink;
    private final SyncSettings settings;
    private final SyncMetrics metrics;
    private final Clock clock;
    private final Threads threads;
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();

    /** Per stream, owned by the sender thread; read by the status page. */
    private final Map<Priority, StreamState> states = new EnumMap<>(Priority.class);

    private volatile Map<Priority, Backlog> backlog = Map.of();
    private volatile boolean running;
    private volatile String lastError;
    private volatile long lastErrorAt;
    private boolean signalled;
    private Thread thread;
    private long refreshedNanos;
    private int failures;
    /** When the next frame may go under {@code sync.max-rate} (sender thread only). */
    private long nextSendNanos;

    public SyncSender(
            Outbox outbox, Uplink uplink, SyncSettings settings, SyncMetrics metrics, Clock clock, Threads threads) {
        this.outbox = outbox;
        this.uplink = uplink;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.threads = threads;
        for (Priority stream : Priority.STREAMS) {
            states.put(stream, new StreamState());
        }
        metrics.watch(this);
    }

    @Override
    public void start() {
        lock.lock();
        try {
            if (thread != null) {
                return;
            }
            running = true;
            long now = System.nanoTime();
            // After a restart what waited is sent at its stream's next interval, as if it had just been sent.
            states.values().forEach(state -> state.lastDrainedNanos = now);
            refresh();
            uplink.start();
            thread = threads.platform("sync-sender").newThread(this::loop);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        Thread running;
        lock.lock();
        try {
            this.running = false;
            running = thread;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (running != null) {
            running.interrupt();
            try {
                running.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        uplink.close();
    }

    /** Something was committed to the outbox: the high stream goes now, and the figures move. */
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** True while the high stream alone fills the outbox's quota: ingest must wait. */
    public boolean highFull() {
        Backlog high = backlog.get(Priority.HIGH);
        return high != null && high.bytes() >= settings.maxDisk();
    }

    /** Sends the medium and low streams now, without waiting for their intervals (a resync, a test, an operator). */
    public void flush() {
        lock.lock();
        try {
            states.values().forEach(state -> state.flushRequested = true);
            signalled = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    public Map<Priority, Backlog> backlog() {
        return backlog;
    }

    private void loop() {
        while (running) {
            try {
                try {
                    if (System.nanoTime() - refreshedNanos > REFRESH_NANOS) {
                        refresh();
                        enforceQuota();
                    }
                    if (!sendOne()) {
                        long paced = nextSendNanos - System.nanoTime();
                        await(paced > 0 ? Math.min(paced, TimeUnit.SECONDS.toNanos(1)) : TimeUnit.SECONDS.toNanos(1));
                    }
                } catch (IOException | RuntimeException e) {
                    fail(e);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    /**
     * Sends one frame of the highest stream that is due.
     *
     * @return false when no stream had anything due
     */
    private boolean sendOne() throws IOException, InterruptedException {
        long now = System.nanoTime();
        for (Priority stream : Priority.STREAMS) {
            StreamState state = states.get(stream);
            if (stream != Priority.HIGH && now < nextSendNanos) {
                return false; // paced (sync.max-rate): only high may go now
            }
            if (!state.draining && !due(stream, state, now)) {
                continue;
            }
            List<OutboxEntry> rows = outbox.read(stream, 0, settings.maxBatch());
            if (rows.isEmpty()) {
                state.draining = false;
                state.flushRequested = false;
                state.lastDrainedNanos = now;
                continue;
            }
            state.draining = true;
            send(stream, rows);
            return true;
        }
        return false;
    }

    private boolean due(Priority stream, StreamState state, long now) {
        if (stream == Priority.HIGH || state.flushRequested) {
            return true;
        }
        Backlog waiting = backlog.get(stream);
        if (waiting != null && waiting.bytes() >= settings.maxBatch()) {
            return true;
        }
        return now - state.lastDrainedNanos >= settings.interval(stream).toNanos();
    }

    private void send(Priority stream, List<OutboxEntry> rows) throws IOException, InterruptedException {
        String edge = settings.edgeId();
        byte[] frame = settings.uplink().format().equals("json")
                ? SyncJson.frame(edge, stream, rows)
                : SyncCodec.frame(edge, stream, rows, settings.compression());
        String id = edge + "/" + stream.wireName() + "/" + rows.getFirst().seq() + "-"
                + rows.getLast().seq();
        Uplink.Delivery delivery = uplink.send(stream, id, frame);
        if (delivery.accepted()) {
            outbox.remove(stream, rows.getLast().seq());
            accepted(stream, rows, frame.length);
            return;
        }
        metrics.failed();
        if (rows.size() > 1) {
            // Find the row it refuses: each is sent alone, in order, the good ones accepted.
            for (OutboxEntry row : rows) {
                send(stream, List.of(row));
            }
            return;
        }
        OutboxEntry row = rows.getFirst();
        outbox.park(row, delivery.refusal(), clock.millis());
        metrics.parked(stream, row.records());
        LOG.warn(
                "The uplink refused outbox row {} of the {} stream ({} records): {}; it is parked, the stream goes on",
                row.seq(),
                stream.wireName(),
                row.records(),
                delivery.refusal());
    }

    private void accepted(Priority stream, List<OutboxEntry> rows, int frameBytes) {
        long records = 0;
        long payload = 0;
        for (OutboxEntry row : rows) {
            records += row.records();
            payload += row.payload().length;
        }
        if (stream != Priority.HIGH) {
            pace(records);
        }
        StreamState state = states.get(stream);
        long today = LocalDate.now(clock.withZone(ZoneOffset.UTC)).toEpochDay();
        if (state.day != today) {
            state.day = today;
            state.sentToday = 0;
        }
        state.sentToday += frameBytes;
        state.sentBytes += frameBytes;
        state.recordBytes += payload;
        state.lastSuccessAt = clock.millis();
        metrics.sent(stream, records, frameBytes);
        if (failures > 0) {
            LOG.info("Sync uplink {} accepts frames again after {} failed attempt(s)", uplink.target(), failures);
        }
        failures = 0;
    }

    /**
     * Holds the batched streams to {@code sync.max-rate} records a second: after a frame of {@code
     * records}, the next medium or low frame waits until the rate allows it (a backlog then drains
     * at that rate, not at the link's and the other side's full speed); high goes meanwhile.
     */
    private void pace(long records) {
        if (settings.maxRate() > 0) {
            nextSendNanos = Math.max(nextSendNanos, System.nanoTime()) + records * 1_000_000_000L / settings.maxRate();
        }
    }

    private void fail(Exception e) throws InterruptedException {
        failures++;
        metrics.failed();
        lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        lastErrorAt = clock.millis();
        long ceiling = Math.min(settings.maxBackoff().toMillis(), FIRST_BACKOFF_MILLIS << Math.min(20, failures - 1));
        // Full jitter over the upper half: edges that lost one cloud together do not return together.
        long wait = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        if (failureLog.allow("send")) {
            LOG.warn(
                    "Sync uplink {}: {} (attempt {}; next in {} ms; not logged again for a minute)",
                    uplink.target(),
                    lastError,
                    failures,
                    wait);
        }
        sleep(wait);
    }

    private void sleep(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (running && (left = deadline - System.nanoTime()) > 0) {
            lock.lock();
            try {
                wake.awaitNanos(left);
            } finally {
                lock.unlock();
            }
        }
    }

    private void await(long nanos) throws InterruptedException {
        lock.lock();
        try {
            if (!signalled && running) {
                wake.awaitNanos(nanos);
            }
            signalled = false;
        } finally {
            lock.unlock();
        }
    }

    private void refresh() {
        backlog = Map.copyOf(outbox.backlog());
        refreshedNanos = System.nanoTime();
    }

    /** Evicts the oldest low, then medium rows while the outbox is over its quota. */
    private void enforceQuota() {
        long total = backlog.values().stream().mapToLong(Backlog::bytes).sum();
        long over = total - settings.maxDisk();
        for (Priority stream : List.of(Priority.LOW, Priority.MEDIUM)) {
            if (over <= 0) {
                return;
            }
            Backlog evicted = outbox.evictOldest(stream, over);
            if (evicted.rows() == 0) {
                continue;
            }
            over -= evicted.bytes();
            states.get(stream).evictedRecords += evicted.records();
            metrics.evicted(stream, evicted.records());
            LOG.warn(
                    "The sync outbox is over sync.outbox.max-disk ({} bytes): evicted the {} oldest record(s) of the {}"
                            + " stream ({} bytes)",
                    settings.maxDisk(),
                    evicted.records(),
                    stream.wireName(),
                    evicted.bytes());
            outbox.append(List.of(SyncEvents.evicted(stream, evicted, clock.millis())));
            refresh();
        }
    }

    /** The outbox's streams for the status page. */
    public List<StreamStatus> streams() {
        long now = clock.millis();
        return Priority.STREAMS.stream()
                .map(stream -> {
                    Backlog waiting = backlog.getOrDefault(stream, Backlog.empty(stream));
                    StreamState state = states.get(stream);
                    return new StreamStatus(
                            stream,
                            waiting.rows(),
                            waiting.records(),
                            waiting.bytes(),
                            waiting.rows() == 0 ? 0 : Math.max(0, now - waiting.oldestAt()) / 1000.0,
                            state.lastSuccessAt,
                            state.day
                                            == LocalDate.now(clock.withZone(ZoneOffset.UTC))
                                                    .toEpochDay()
                                    ? state.sentToday
                                    : 0,
                            state.recordBytes == 0 ? 0 : (double) state.sentBytes / state.recordBytes,
                            state.evictedRecords);
                })
                .toList();
    }

    public boolean linkUp() {
        return uplink.connected() && failures == 0;
    }

    public String lastError() {
        return lastError;
    }

    public long lastErrorAt() {
        return lastErrorAt;
    }

    public String target() {
        return uplink.target();
    }

    /** How long the stream's oldest row has waited, seconds (for the backlog gauge). */
    double backlogSeconds(Priority stream) {
        Backlog waiting = backlog.get(stream);
        return waiting == null || waiting.rows() == 0 ? 0 : Math.max(0, clock.millis() - waiting.oldestAt()) / 1000.0;
    }

    long cachedRecords() {
        return backlog.values().stream().mapToLong(Backlog::records).sum();
    }

    /** A stream's progress; written by the sender thread, read by the status page. */
    private static final class StreamState {
        volatile long lastSuccessAt;
        volatile long sentToday;
        volatile long day;
        volatile long sentBytes;
        volatile long recordBytes;
        volatile long evictedRecords;
        long lastDrainedNanos;
        boolean draining;
        volatile boolean flushRequested;
    }
}
