package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.sync.OutboxSegment;
import io.edgeward.core.sync.SyncMark;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decode → validate → group commit. The future of each submitted message completes only after its
 * points are durable, which is what lets a transport hold the device's acknowledgement until then.
 *
 * <p>Decoding runs on the submitting thread, so the transports' worker threads share that work.
 * One writer thread drains the bounded queue and commits everything waiting in one transaction
 * (one fsync), so commit cost is shared by all messages that arrived during the previous commit:
 * the busier the gateway, the bigger the batches. When the queue is full, the message waits on a
 * parked virtual thread for room: the acknowledgement is delayed, nothing is dropped, and the
 * calling thread (a broker worker) never blocks.
 *
 * <p>Commits start at most once per {@link PipelineSettings#minCommitInterval()} (2 ms by
 * default). Without a floor, the writer commits again the moment the last commit is done, so a
 * gateway at half its load made more commits than at full load, only smaller: about 900 a second
 * at 14k msg/s and 500 at 28k, the writer at 0.4 cores either way, every commit waking the
 * broker's event loops and the fsyncs keeping the disk busy. With the floor the writer used 0.29
 * cores at 28k msg/s and the PUBACK p99 went from 21-36 ms to 15-16 ms (two runs each). A lone
 * message on a quiet gateway is committed at once; only back-to-back commits wait.
 */
public final class TelemetryPipeline implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryPipeline.class);

    private final TelemetryWriter store;
    private final BatchProcessor processor;
    private final Forwarder forwarder;
    private final CommittedTelemetry committed;
    private final TelemetryDecoder decoder;
    private final PipelineSettings settings;
    private final MeterRegistry meters;
    private final Threads threads;
    private final ArrayBlockingQueue<Pending> queue;
    private final AtomicInteger parked = new AtomicInteger();
    private final RateLimitedLog rejectLog = RateLimitedLog.perMinute();
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    private final RateLimitedLog processingLog = RateLimitedLog.perMinute();

    private final Counter processed;
    private final Counter backpressure;
    private final Counter commitFailures;
    private final Counter commitTimeouts;
    private final Counter processingFailures;
    private final DistributionSummary latency;
    private final DistributionSummary batchMessages;
    private final DistributionSummary batchPoints;
    private final Timer commitTime;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Map<DeviceType, Counter> receivedByType = new EnumMap<>(DeviceType.class);

    private final Object lifecycle = new Object();
    private volatile boolean accepting;
    private Thread writer;
    private Thread watchdog;
    /** Makes the virtual threads that wait for queue room (set by {@link #start()} before accepting). */
    private volatile ThreadFactory waiters;
    /** When the next group commit may start (writer thread only). */
    private long nextCommitNanos = System.nanoTime();
    /** The batch in the store now, for the watchdog; empty between commits. */
    private volatile List<Pending> committing = List.of();
    /** When the commit in the store now began (written by the writer thread before {@link #committing}). */
    private volatile long commitStartedNanos;

    /**
     * @param processor the processing stage, run in each group commit ({@link BatchProcessor#NONE} for none)
     * @param forwarder what each commit queues for the cloud ({@link Forwarder#NONE} at a node that is not an edge)
     * @param committed the post-commit stage, handed every committed batch; it never blocks the writer
     */
    public TelemetryPipeline(
            TelemetryWriter store,
            BatchProcessor processor,
            Forwarder forwarder,
            TelemetryDecoder decoder,
            PipelineSettings settings,
            MeterRegistry meters,
            CommittedTelemetry committed,
            Threads threads) {
        this.threads = threads;
        this.store = store;
        this.processor = processor;
        this.forwarder = forwarder;
        this.committed = committed;
        this.decoder = decoder;
        this.settings = settings;
        this.meters = meters;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.processed = Counter.builder("iot.edge.data.processed")
                .description("Telemetry points durably stored by the edge pipeline")
                .register(meters);
        this.backpressure = Counter.builder("edgeward.pipeline.backpressure")
                .description("Messages that found the pipeline queue full and waited for room")
                .register(meters);
        this.commitFailures = Counter.builder("edgeward.pipeline.commit.failures")
                .description("Group commits that failed; their messages were not acknowledged")
                .register(meters);
        this.commitTimeouts = Counter.builder("edgeward.pipeline.commit.timeouts")
                .description(
                        "Messages whose commit took longer than the commit timeout; they were refused, not acknowledged")
                .register(meters);
        this.processingFailures = Counter.builder("edgeward.processing.failures")
                .description(
                        "Group commits the processing stage could not evaluate; their points were stored unprocessed")
                .register(meters);
        this.latency = DistributionSummary.builder("iot.edge.processing.latency.ms")
                .description("Arrival to durable commit of a telemetry message, milliseconds")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
                .register(meters);
        this.batchMessages = DistributionSummary.builder("edgeward.pipeline.commit.batch.messages")
                .description("Messages per group commit")
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
                .register(meters);
        this.batchPoints = DistributionSummary.builder("edgeward.pipeline.commit.batch.points")
                .description("Points per group commit")
                .register(meters);
        this.commitTime = Timer.builder("edgeward.pipeline.commit")
                .description("Duration of one group commit (SQL and fsync), the floor of every acknowledgement's wait")
                .serviceLevelObjectives(
                        Duration.ofMillis(1),
                        Duration.ofMillis(2),
                        Duration.ofMillis(5),
                        Duration.ofMillis(10),
                        Duration.ofMillis(20),
                        Duration.ofMillis(50),
                        Duration.ofMillis(100),
                        Duration.ofMillis(250))
                .register(meters);
        Gauge.builder("edgeward.pipeline.queue.depth", this, TelemetryPipeline::queueDepth)
                .description("Messages waiting to be committed, including those waiting for queue room")
                .register(meters);
        Gauge.builder("edgeward.pipeline.queue.capacity", queue, q -> settings.queueCapacity())
                .description("Capacity of the pipeline queue")
                .register(meters);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, rejectedCounter(meters, reason));
        }
        if (!settings.perDeviceLabels()) {
            for (DeviceType type : DeviceType.values()) {
                receivedByType.put(type, receivedCounter(type).register(meters));
            }
        }
    }

    /** The rejection counter, shared with transports that refuse messages before decoding them. */
    public static Counter rejectedCounter(MeterRegistry meters, RejectReason reason) {
        return Counter.builder("edgeward.telemetry.rejected")
                .description("Telemetry messages or points refused, by reason")
                .tag("reason", reason.label())
                .register(meters);
    }

    @Override
    public void start() {
        synchronized (lifecycle) {
            if (writer != null) {
                return;
            }
            accepting = true;
            writer = threads.nonDaemon("telemetry-writer").newThread(this::writeLoop);
            watchdog = threads.platform("telemetry-watchdog").newThread(this::watchLoop);
            waiters = threads.virtual("telemetry-wait");
            writer.start();
            watchdog.start();
        }
    }

    /** Stops accepting, commits everything already accepted, then returns. Idempotent. */
    public void stop() {
        Thread running;
        synchronized (lifecycle) {
            accepting = false;
            running = writer;
        }
        if (running != null) {
            try {
                running.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Thread watching;
        synchronized (lifecycle) {
            watching = watchdog;
        }
        if (watching != null) {
            watching.interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    public boolean isRunning() {
        Thread running = writer;
        return accepting && running != null && running.isAlive();
    }

    /**
     * True when the pipeline can acknowledge telemetry now: it runs, its writer and watchdog
     * threads are alive (an {@code OutOfMemoryError} or a bug may have ended either), and no
     * group commit has been in the store longer than the commit timeout (a hung disk or database).
     */
    public boolean isHealthy() {
        Thread watching = watchdog;
        boolean stuck = !committing.isEmpty()
                && System.nanoTime() - commitStartedNanos
                        > settings.commitTimeout().toNanos();
        return isRunning() && watching != null && watching.isAlive() && !stuck;
    }

    public int queueDepth() {
        return queue.size() + parked.get();
    }

    /**
     * Decodes the message and queues its valid points for the next group commit.
     *
     * @return completes with the outcome once the points are durable; completes at once when
     *     nothing in the message was valid; fails if the store failed or the pipeline is stopped
     */
    public CompletableFuture<IngestResult> submit(TelemetryMessage message) {
        return store(message, decode(message));
    }

    /** Decodes and validates the message, counting and logging (rate-limited) what is refused. */
    public Decoded decode(TelemetryMessage message) {
        Decoded decoded = decoder.decode(message);
        countReceived(message, decoded.points().size());
        if (!decoded.rejections().isEmpty()) {
            refused(message.device(), decoded.rejections());
        }
        return decoded;
    }

    /**
     * Queues the decoded message's valid points for the next group commit.
     *
     * @return as {@link #submit}
     */
    public CompletableFuture<IngestResult> store(TelemetryMessage message, Decoded decoded) {
        if (decoded.points().isEmpty()) {
            return CompletableFuture.completedFuture(new IngestResult(0, decoded.rejections()));
        }
        return enqueue(new Pending(message, decoded, null, new CompletableFuture<>()));
    }

    /**
     * Queues points an edge forwarded (already checked by {@code core.sync}) for the next group
     * commit, with the mark that records them as stored: both are written in the same transaction.
     * With no points, the mark alone is committed.
     *
     * @return as {@link #submit}
     */
    public CompletableFuture<IngestResult> storeForwarded(TelemetryMessage message, List<Point> points, SyncMark mark) {
        return enqueue(new Pending(
                message,
                new Decoded(points, List.of()),
                Objects.requireNonNull(mark, "mark"),
                new CompletableFuture<>()));
    }

    private CompletableFuture<IngestResult> enqueue(Pending pending) {
        if (!accepting) {
            return CompletableFuture.failedFuture(new PipelineStoppedException());
        }
        if (!queue.offer(pending)) {
            backpressure.increment();
            parked.incrementAndGet();
            waiters.newThread(() -> waitForRoom(pending)).start();
        }
        return pending.done;
    }

    /** Counts and logs (rate-limited) refusals decided outside the decoder, e.g. an unknown device. */
    public void refused(DeviceId device, List<Rejection> rejections) {
        for (Rejection rejection : rejections) {
            rejected.get(rejection.reason()).increment();
        }
        if (rejectLog.allow(device.value())) {
            LOG.warn(
                    "Refused telemetry from device '{}': {} (further refusals from this device are not logged for a minute)",
                    device,
                    rejections.size() == 1
                            ? rejections.get(0)
                            : rejections.size() + " problems, first " + rejections.get(0));
        }
    }

    private void countReceived(TelemetryMessage message, int points) {
        if (points == 0) {
            return;
        }
        if (settings.perDeviceLabels()) {
            receivedCounter(message.deviceType())
                    .tag("device_id", message.device().value())
                    .register(meters)
                    .increment(points);
        } else {
            receivedByType.get(message.deviceType()).increment(points);
        }
    }

    private static Counter.Builder receivedCounter(DeviceType type) {
        return Counter.builder("iot.device.data.received")
                .description("Telemetry points received from devices, by device type")
                .tag("type", type.wireName());
    }

    private void waitForRoom(Pending pending) {
        try {
            while (!queue.offer(pending, 100, TimeUnit.MILLISECONDS)) {
                if (!accepting && writer != null && !writer.isAlive()) {
                    pending.done.completeExceptionally(new PipelineStoppedException());
                    return;
                }
                if (failIfExpired(pending, System.nanoTime())) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            pending.done.completeExceptionally(new PipelineStoppedException());
        } finally {
            parked.decrementAndGet();
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            Pending first;
            try {
                first = queue.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                first = queue.poll();
            }
            if (first == null) {
                if (!accepting && parked.get() == 0 && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            awaitCommitSlot();
            batch.add(first);
            int points = first.decoded.points().size();
            Pending next;
            while (points < settings.maxBatchPoints() && (next = queue.poll()) != null) {
                batch.add(next);
                points += next.decoded.points().size();
            }
            commit(batch, points);
            batch = new ArrayList<>(); // the watchdog may still be reading the last one
        }
    }

    /** Waits out the rest of the minimum interval since the last commit began; messages keep queueing meanwhile. */
    private void awaitCommitSlot() {
        long wait;
        while ((wait = nextCommitNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        nextCommitNanos = System.nanoTime() + settings.minCommitInterval().toNanos();
    }

    /**
     * Fails the futures of messages that have waited longer than the commit timeout, once a
     * second: one thread for the whole pipeline rather than a timer per message, which cost a
     * lock round trip on the JDK's shared delay queue for every telemetry message. A message
     * failed here may still be committed later; the device resends it and the same (device,
     * metric, time) replaces it.
     */
    private void watchLoop() {
        long period = Math.max(10, Math.min(1000, settings.commitTimeout().toMillis() / 4));
        try {
            while (true) {
                Thread.sleep(period);
                long now = System.nanoTime();
                for (Pending pending : committing) {
                    failIfExpired(pending, now);
                }
                Pending head = queue.peek();
                if (head != null && expired(head, now)) {
                    // The queue is in arrival order: stop at the first message still in time.
                    for (Pending pending : queue) {
                        if (!failIfExpired(pending, now)) {
                            break;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    private boolean failIfExpired(Pending pending, long now) {
        if (!expired(pending, now)) {
            return false;
        }
        if (pending.done.completeExceptionally(new StoreTimeoutException(settings.commitTimeout()))) {
            commitTimeouts.increment();
        }
        return true;
    }

    private boolean expired(Pending pending, long now) {
        return now - pending.message.arrivalNanos() > settings.commitTimeout().toNanos();
    }

    private void commit(List<Pending> batch, int pointCount) {
        List<Point> points = new ArrayList<>(pointCount);
        List<SyncMark> marks = List.of();
        for (Pending pending : batch) {
            points.addAll(pending.decoded.points());
            if (pending.mark != null) {
                if (marks.isEmpty()) {
                    marks = new ArrayList<>();
                }
                marks.add(pending.mark);
            }
        }
        long commitStart = System.nanoTime();
        commitStartedNanos = commitStart;
        committing = batch;
        BatchProcessor.Output output = process(points);
        List<Point> stored = points;
        if (!output.derived().isEmpty()) {
            stored = new ArrayList<>(points.size() + output.derived().size());
            stored.addAll(points);
            stored.addAll(output.derived());
        }
        try {
            List<OutboxSegment> outbox = forwarder.forward(points, output);
            store.commit(new CommitBatch(stored, output.records(), outbox, marks));
        } catch (RuntimeException e) {
            processor.discard(points);
            committing = List.of();
            commitFailures.increment();
            if (failureLog.allow("commit")) {
                LOG.error(
                        "Telemetry commit of {} message(s) failed; they were not acknowledged and devices will resend",
                        batch.size(),
                        e);
            }
            for (Pending pending : batch) {
                pending.done.completeExceptionally(e);
            }
            return;
        }
        committing = List.of();
        commitTime.record(System.nanoTime() - commitStart, TimeUnit.NANOSECONDS);
        processed.increment(pointCount);
        batchMessages.record(batch.size());
        batchPoints.record(pointCount);
        long now = System.nanoTime();
        for (Pending pending : batch) {
            latency.record((now - pending.message.arrivalNanos()) / 1_000_000.0);
            pending.done.complete(new IngestResult(pending.decoded.points().size(), pending.decoded.rejections()));
        }
        committed.committed(points);
    }

    /**
     * Runs the processing stage over the batch. A failure there (its store read failed while it
     * rebuilt a series' state) must not cost the devices their acknowledgement: the points are stored
     * unprocessed, counted and logged, and the stage rebuilds its state from the store.
     */
    private BatchProcessor.Output process(List<Point> points) {
        try {
            return processor.process(points);
        } catch (RuntimeException e) {
            processor.discard(points);
            processingFailures.increment();
            if (processingLog.allow("processing")) {
                LOG.error(
                        "Processing {} point(s) failed; they are stored but were not filtered or windowed (not logged"
                                + " again for a minute)",
                        points.size(),
                        e);
            }
            return BatchProcessor.Output.EMPTY;
        }
    }

    /** @param mark at a node receiving edges: the edge's stream these points complete, or null */
    private record Pending(
            TelemetryMessage message, Decoded decoded, SyncMark mark, CompletableFuture<IngestResult> done) {}
}
