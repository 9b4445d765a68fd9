package io.edgeward.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.lifecycle.Threads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's contract with transports: a future completes only after the store committed the
 * points; commits group whatever queued meanwhile; a full queue delays, never drops.
 */
class TelemetryPipelineTest {

    private static final Threads THREADS = Threads.named("test");

    private final GateStore store = new GateStore();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TelemetryPipeline pipeline;

    private void start(int capacity) {
        start(capacity, Duration.ofMinutes(2));
    }

    private void start(int capacity, Duration commitTimeout) {
        start(capacity, commitTimeout, Duration.ZERO);
    }

    private void start(int capacity, Duration commitTimeout, Duration minCommitInterval) {
        pipeline = new TelemetryPipeline(
                store,
                BatchProcessor.NONE,
                Forwarder.NONE,
                new TelemetryDecoder(TelemetryLimits.DEFAULTS),
                new PipelineSettings(capacity, 10_000, false, commitTimeout, minCommitInterval),
                meters,
                new CommittedTelemetry(meters, THREADS, CommittedTelemetry.DEFAULT_CAPACITY),
                THREADS);
        pipeline.start();
    }

    @Test
    void aStoreThatHangs_failsWaitingMessagesAfterTheCommitTimeout_thenThePipelineGoesOn() {
        start(100, Duration.ofMillis(300));
        store.close();
        CompletableFuture<IngestResult> committing = pipeline.submit(message("""
                {"values":{"a":1}}"""));
        await().until(() -> store.inAppend.get());
        CompletableFuture<IngestResult> queued = pipeline.submit(message("""
                {"values":{"b":2}}"""));

        await().atMost(Duration.ofSeconds(5)).until(() -> committing.isDone() && queued.isDone());
        assertThat(committing)
                .failsWithin(Duration.ZERO)
                .withThrowableThat()
                .withCauseInstanceOf(StoreTimeoutException.class);
        assertThat(queued)
                .failsWithin(Duration.ZERO)
                .withThrowableThat()
                .withCauseInstanceOf(StoreTimeoutException.class);
        assertThat(meters.counter("edgeward.pipeline.commit.timeouts").count()).isEqualTo(2);

        store.open();
        CompletableFuture<IngestResult> next = pipeline.submit(message("""
                {"values":{"c":3}}"""));
        assertThat(next)
                .succeedsWithin(Duration.ofSeconds(5))
                .extracting(IngestResult::stored)
                .isEqualTo(1);
    }

    @Test
    void aCommitHungLongerThanTheTimeout_makesThePipelineUnhealthy_untilTheStoreAnswers() {
        start(100, Duration.ofMillis(300));
        assertThat(pipeline.isHealthy()).isTrue();
        store.close();
        CompletableFuture<IngestResult> committing = pipeline.submit(message("""
                {"values":{"a":1}}"""));
        await().until(() -> store.inAppend.get());
        await().atMost(Duration.ofSeconds(5)).until(() -> !pipeline.isHealthy());
        assertThat(pipeline.isRunning())
                .as("the writer thread is alive, only stuck")
                .isTrue();
        store.open();
        await().atMost(Duration.ofSeconds(5)).until(committing::isDone);
        await().atMost(Duration.ofSeconds(5)).until(pipeline::isHealthy);
    }

    @Test
    void aStoppedPipeline_isNotHealthy() {
        start(100);
        pipeline.stop();
        assertThat(pipeline.isHealthy()).isFalse();
    }

    @AfterEach
    void tearDown() {
        store.open();
        if (pipeline != null) {
            pipeline.stop();
        }
    }

    @Test
    void backToBackCommits_startAtLeastTheMinimumIntervalApart_andWhatQueuedMeanwhileSharesOneCommit() {
        Duration interval = Duration.ofMillis(300);
        start(100, Duration.ofMinutes(2), interval);
        long firstSubmitted = System.nanoTime();
        assertThat(pipeline.submit(message("""
                {"values":{"a":1}}"""))).succeedsWithin(Duration.ofSeconds(5));
        CompletableFuture<IngestResult> second = pipeline.submit(message("""
                {"values":{"b":2}}"""));
        CompletableFuture<IngestResult> third = pipeline.submit(message("""
                {"values":{"c":3}}"""));

        assertThat(CompletableFuture.allOf(second, third)).succeedsWithin(Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - firstSubmitted))
                .as("the first commit began after the first submit, the next one at least the interval later")
                .isGreaterThanOrEqualTo(interval);
        assertThat(store.batches)
                .as("the two messages that queued during the interval share a commit")
                .hasSize(2);
        assertThat(store.batches.get(1)).hasSize(2);
    }

    @Test
    void aLoneMessage_isCommittedAtOnce_notAfterTheMinimumInterval() {
        start(100, Duration.ofMinutes(2), Duration.ofHours(1));
        assertThat(pipeline.submit(message("""
                {"values":{"a":1}}"""))).succeedsWithin(Duration.ofSeconds(5));
    }

    private static TelemetryMessage message(String json) {
        return message(json, System.currentTimeMillis());
    }

    private static TelemetryMessage message(String json, long now) {
        return new TelemetryMessage(
                DeviceId.of("d1"),
                DeviceType.SENSOR,
                json.getBytes(StandardCharsets.UTF_8),
                PayloadFormat.JSON,
                now,
                System.nanoTime());
    }

    @Test
    void submit_completesOnlyAfterCommit() throws Exception {
        start(100);
        store.close();
        CompletableFuture<IngestResult> result = pipeline.submit(message("""
                {"values":{"a":1}}"""));
        await().until(() -> store.inAppend.get());
        assertThat(result).isNotDone();
        store.open();
        assertThat(result.get(5, TimeUnit.SECONDS).stored()).isEqualTo(1);
        assertThat(store.batches).hasSize(1);
        assertThat(meters.counter("iot.edge.data.processed").count()).isEqualTo(1.0);
        assertThat(meters.timer("edgeward.pipeline.commit").count()).isEqualTo(1);
    }

    @Test
    void messagesArrivingDuringACommit_areCommittedTogether() throws Exception {
        start(100);
        store.close();
        CompletableFuture<IngestResult> first = pipeline.submit(message("""
                {"values":{"a":1}}"""));
        await().until(() -> store.inAppend.get());
        List<CompletableFuture<IngestResult>> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiting.add(pipeline.submit(message("{\"values\":{\"m" + i + "\":" + i + "}}")));
        }
        store.open();
        first.get(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(store.batches).hasSize(2);
        assertThat(store.batches.get(1)).hasSize(20);
    }

    @Test
    void fullQueue_delaysAcknowledgement_dropsNothing() throws Exception {
        start(2);
        store.close();
        List<CompletableFuture<IngestResult>> results = new ArrayList<>();
        results.add(pipeline.submit(message("""
                {"values":{"first":0}}""")));
        await().until(() -> store.inAppend.get());
        for (int i = 0; i < 10; i++) {
            results.add(pipeline.submit(message("{\"values\":{\"m" + i + "\":" + i + "}}")));
        }
        assertThat(results).allSatisfy(r -> assertThat(r).isNotDone());
        assertThat(meters.counter("edgeward.pipeline.backpressure").count()).isEqualTo(8.0);
        assertThat(pipeline.queueDepth()).isEqualTo(10);
        store.open();
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(store.batches.stream().mapToInt(List::size).sum()).isEqualTo(11);
    }

    @Test
    void storeFailure_failsThatBatch_pipelineKeepsRunning() throws Exception {
        start(100);
        store.failNext.set(true);
        CompletableFuture<IngestResult> failed = pipeline.submit(message("""
                {"values":{"a":1}}"""));
        assertThat(failed)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(ExecutionException.class)
                .withMessageContaining("disk full");
        IngestResult ok = pipeline.submit(message("""
                {"values":{"b":2}}""")).get(5, TimeUnit.SECONDS);
        assertThat(ok.stored()).isEqualTo(1);
        assertThat(meters.counter("edgeward.pipeline.commit.failures").count()).isEqualTo(1.0);
    }

    @Test
    void invalidMessage_completesAtOnce_countedByReason_notStored() throws Exception {
        start(100);
        IngestResult result = pipeline.submit(message("not json")).get(1, TimeUnit.SECONDS);
        assertThat(result.stored()).isZero();
        assertThat(result.primaryReason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(meters.counter("edgeward.telemetry.rejected", "reason", "malformed")
                        .count())
                .isEqualTo(1.0);
        assertThat(store.batches).isEmpty();
    }

    @Test
    void stop_commitsWhatWasAccepted_thenRefusesNewMessages() throws Exception {
        start(100);
        store.close();
        CompletableFuture<IngestResult> first = pipeline.submit(message("""
                {"values":{"a":1}}"""));
        await().until(() -> store.inAppend.get());
        CompletableFuture<IngestResult> second = pipeline.submit(message("""
                {"values":{"b":1}}"""));
        Thread stopper = Thread.ofVirtual().start(pipeline::stop);
        store.open();
        stopper.join(5000);
        assertThat(first).isCompleted();
        assertThat(second).isCompleted();
        assertThat(pipeline.submit(message("""
                {"values":{"c":1}}""")))
                .failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(PipelineStoppedException.class);
    }

    /** A store whose commits can be held back, to observe the pipeline while a commit is in progress. */
    private static final class GateStore implements TelemetryWriter {
        final List<List<Point>> batches = new CopyOnWriteArrayList<>();
        final AtomicBoolean inAppend = new AtomicBoolean();
        final AtomicBoolean failNext = new AtomicBoolean();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void close() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        @Override
        public void commit(CommitBatch batch) {
            inAppend.set(true);
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException("disk full");
            }
            batches.add(List.copyOf(batch.points()));
        }

        @Override
        public void deleteDevice(DeviceId device) {
            batches.removeIf(
                    points -> points.stream().anyMatch(point -> point.device().equals(device)));
        }
    }
}
