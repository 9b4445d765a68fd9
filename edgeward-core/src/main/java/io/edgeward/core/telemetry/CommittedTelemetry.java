package io.edgeward.core.telemetry;

import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage after the group commit. Everything that reacts to committed telemetry (the shadow's
 * reported state and CoAP's observed sensors today; rollups, rules and the sync outbox's readers
 * next) registers here as a named consumer, and gets every committed batch, in commit order, on a
 * thread of its own through a bounded queue of its own.
 *
 * <p>The pipeline's writer thread only offers each batch to the queues and never waits: a slow or
 * stuck consumer cannot delay an acknowledgement, nor the other consumers. What it costs instead
 * is visible per consumer in {@code /metrics}: the points waiting ({@code edgeward_fanout_lag_points}),
 * the age of the oldest waiting batch ({@code edgeward_fanout_lag_seconds}), and, once its queue is
 * full (in batches or in points), the points of the oldest batches it was made to skip ({@code edgeward_fanout_dropped_points_total}),
 * with a warning at most once a minute. The points themselves are in the store: a consumer that
 * must see every one (the sync outbox) takes them from the commit, not from here.
 */
public final class CommittedTelemetry implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(CommittedTelemetry.class);
    /** Committed batches a consumer may fall behind by; a group commit holds up to a few thousand points. */
    public static final int DEFAULT_CAPACITY = 1024;
    /**
     * Points a consumer may have waiting: the batches are shared, so this bounds the heap they hold
     * (about 25 MiB). At full load a group commit holds a few thousand points, and 1,024 of them held
     * 1.5 million: a node with 1,000 rules ran out of its 256 MiB heap when the rules fell behind.
     */
    public static final int DEFAULT_MAX_WAITING_POINTS = 200_000;

    private final MeterRegistry meters;
    private final Threads threads;
    private final int capacity;
    private final int maxWaitingPoints;
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final RateLimitedLog warnings = RateLimitedLog.perMinute();
    private volatile boolean closed;
    /** Consumers registered before {@link #start()} get their threads then; later ones at once. */
    private boolean started;

    /**
     * @param threads gives each consumer's thread ({@code fanout-<name>})
     * @param capacity committed batches each consumer may have waiting before the oldest is skipped
     */
    public CommittedTelemetry(MeterRegistry meters, Threads threads, int capacity) {
        this(meters, threads, capacity, DEFAULT_MAX_WAITING_POINTS);
    }

    /** @param maxWaitingPoints points each consumer may have waiting before its oldest batches are skipped */
    public CommittedTelemetry(MeterRegistry meters, Threads threads, int capacity, int maxWaitingPoints) {
        if (capacity < 1 || maxWaitingPoints < 1) {
            throw new IllegalArgumentException("capacity and maxWaitingPoints must be at least 1");
        }
        this.meters = meters;
        this.threads = threads;
        this.capacity = capacity;
        this.maxWaitingPoints = maxWaitingPoints;
    }

    /** Starts the threads of the consumers registered so far. */
    @Override
    public synchronized void start() {
        if (!started && !closed) {
            started = true;
            lanes.values().forEach(Lane::start);
        }
    }

    /**
     * Adds a consumer, which gets every batch committed from now on, on its own thread ({@code
     * fanout-<name>}), started with the stage. A consumer that throws is logged (once a minute) and
     * keeps getting later batches.
     *
     * @throws IllegalArgumentException when the name is taken
     */
    public synchronized void register(String name, Consumer<List<Point>> consumer) {
        registerTimed(name, (points, committedNanos) -> consumer.accept(points));
    }

    /** A consumer that also wants to know when each batch was committed ({@link System#nanoTime()}). */
    @FunctionalInterface
    public interface BatchConsumer {
        void accept(List<Point> points, long committedNanos);
    }

    /** As {@link #register(String, Consumer)}, handing over each batch's commit time too (rules measure their lag with it). */
    public synchronized void registerTimed(String name, BatchConsumer consumer) {
        if (closed) {
            throw new IllegalStateException("the committed-telemetry stage is closed");
        }
        Lane lane = new Lane(name, consumer);
        if (lanes.putIfAbsent(name, lane) != null) {
            throw new IllegalArgumentException("a consumer named '" + name + "' is already registered");
        }
        if (started) {
            lane.start();
        }
    }

    /**
     * On the pipeline's writer thread, after a commit: hands the batch to every consumer, never
     * waits. The caller gives the list up (the pipeline builds one per commit), so it is shared, not
     * copied; consumers get a read-only view.
     */
    public void committed(List<Point> points) {
        if (points.isEmpty() || closed) {
            return;
        }
        List<Point> batch = Collections.unmodifiableList(points);
        long now = System.nanoTime();
        for (Lane lane : lanes.values()) {
            lane.offer(new Batch(batch, now));
        }
    }

    /** Names of the registered consumers. */
    public List<String> consumers() {
        return List.copyOf(lanes.keySet());
    }

    /** Lets each consumer finish what it was handed (at most {@code 10 s} each), then stops their threads. */
    @Override
    public void close() {
        closed = true;
        lanes.values().forEach(Lane::finish);
        for (Lane lane : lanes.values()) {
            lane.await(TimeUnit.SECONDS.toMillis(10));
        }
        lanes.clear();
    }

    private record Batch(List<Point> points, long committedNanos) {}

    /** One consumer: its queue (writer thread in, its own thread out), its thread and its meters. */
    private final class Lane {
        private final String name;
        private final BatchConsumer consumer;
        private final ArrayBlockingQueue<Batch> queue = new ArrayBlockingQueue<>(capacity);
        /** Points queued; written by the writer thread and the lane's thread. */
        private final AtomicLong waitingPoints = new AtomicLong();

        private final Counter dropped;
        private final Counter failures;
        private final Thread thread;
        private volatile boolean finishing;

        Lane(String name, BatchConsumer consumer) {
            this.name = name;
            this.consumer = consumer;
            Gauge.builder("edgeward.fanout.lag.points", waitingPoints, AtomicLong::get)
                    .description("Committed telemetry points waiting for a consumer of the post-commit stage")
                    .tag("consumer", name)
                    .register(meters);
            Gauge.builder("edgeward.fanout.lag.seconds", queue, Lane::oldestAgeSeconds)
                    .description("Age of the oldest committed batch waiting for a consumer (0 when it is caught up)")
                    .tag("consumer", name)
                    .register(meters);
            this.dropped = Counter.builder("edgeward.fanout.dropped.points")
                    .description(
                            "Committed points a consumer skipped because it fell a full queue behind (they are stored)")
                    .tag("consumer", name)
                    .register(meters);
            this.failures = Counter.builder("edgeward.fanout.failures")
                    .description("Committed batches whose consumer threw")
                    .tag("consumer", name)
                    .register(meters);
            this.thread = threads.platform("fanout-" + name).newThread(this::run);
        }

        void start() {
            thread.start();
        }

        void offer(Batch batch) {
            waitingPoints.addAndGet(batch.points().size());
            while (!queue.offer(batch)) {
                skipOldest();
            }
            while (waitingPoints.get() > maxWaitingPoints && queue.size() > 1) {
                skipOldest();
            }
        }

        private void skipOldest() {
            Batch oldest = queue.poll();
            if (oldest != null) {
                waitingPoints.addAndGet(-oldest.points().size());
                dropped.increment(oldest.points().size());
                if (warnings.allow(name)) {
                    LOG.warn(
                            "Consumer '{}' of committed telemetry is more than {} batches or {} points behind; its oldest"
                                    + " batches are skipped (counted in edgeward_fanout_dropped_points_total)",
                            name,
                            capacity,
                            maxWaitingPoints);
                }
            }
        }

        private void run() {
            try {
                while (!finishing || !queue.isEmpty()) {
                    Batch batch = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (batch == null) {
                        continue;
                    }
                    do {
                        deliver(batch);
                    } while ((batch = queue.poll()) != null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void deliver(Batch batch) {
            try {
                consumer.accept(batch.points(), batch.committedNanos());
            } catch (RuntimeException e) {
                failures.increment();
                if (warnings.allow(name + ":failed")) {
                    LOG.warn(
                            "Consumer '{}' of committed telemetry failed on a batch of {} points: {}",
                            name,
                            batch.points().size(),
                            e.toString());
                }
            } finally {
                waitingPoints.addAndGet(-batch.points().size());
            }
        }

        void finish() {
            finishing = true;
        }

        void await(long millis) {
            try {
                thread.join(millis);
                if (thread.isAlive()) {
                    LOG.warn(
                            "Consumer '{}' of committed telemetry did not finish within {} ms; left behind",
                            name,
                            millis);
                    thread.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static double oldestAgeSeconds(ArrayBlockingQueue<Batch> queue) {
            Batch oldest = queue.peek();
            return oldest == null ? 0 : (System.nanoTime() - oldest.committedNanos()) / 1e9;
        }
    }
}
