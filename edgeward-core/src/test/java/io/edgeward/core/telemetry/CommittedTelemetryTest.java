package io.edgeward.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.lifecycle.Threads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CommittedTelemetryTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final CommittedTelemetry stage = new CommittedTelemetry(meters, Threads.named("test"), 4);
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() {
        stage.start();
    }

    @AfterEach
    void close() {
        release.countDown();
        stage.close();
    }

    @Test
    void stuckConsumer_delaysNeitherTheCommitNorTheOtherConsumers_andItsLagShows() {
        List<List<Point>> quick = new CopyOnWriteArrayList<>();
        stage.register("stuck", points -> awaitRelease());
        stage.register("quick", quick::add);

        // The writer's side returns at once every time, however far behind "stuck" is.
        for (int i = 0; i < 3; i++) {
            stage.committed(batch(i, 10));
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> quick.size() == 3);
        assertThat(quick).extracting(points -> points.getFirst().timestamp()).containsExactly(0L, 1L, 2L);
        // Not yet consumed: the batch in the stuck consumer's hands and the two behind it.
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(meters.get("edgeward.fanout.lag.points")
                                .tag("consumer", "stuck")
                                .gauge()
                                .value())
                        .isEqualTo(30));
        assertThat(meters.get("edgeward.fanout.lag.points")
                        .tag("consumer", "quick")
                        .gauge()
                        .value())
                .isZero();
        assertThat(meters.get("edgeward.fanout.lag.seconds")
                        .tag("consumer", "stuck")
                        .gauge()
                        .value())
                .isPositive();
    }

    @Test
    void consumerAFullQueueBehind_skipsTheOldestBatches_countedAsDropped_thenCatchesUp() {
        List<Long> seen = new CopyOnWriteArrayList<>();
        CountDownLatch holding = new CountDownLatch(1);
        stage.register("slow", points -> {
            holding.countDown();
            awaitRelease();
            seen.add(points.getFirst().timestamp());
        });
        stage.committed(batch(0, 5));
        awaitLatch(holding);
        // Batch 0 is being consumed; the queue holds 4: batches 1 and 2 give way to 5 and 6.
        IntStream.rangeClosed(1, 6).forEach(i -> stage.committed(batch(i, 5)));

        assertThat(meters.get("edgeward.fanout.dropped.points")
                        .tag("consumer", "slow")
                        .counter()
                        .count())
                .isEqualTo(10);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 5);
        assertThat(seen).containsExactly(0L, 3L, 4L, 5L, 6L);
    }

    @Test
    void consumerThatThrows_isCounted_andGetsTheNextBatch() {
        List<Long> seen = new CopyOnWriteArrayList<>();
        stage.register("flaky", points -> {
            seen.add(points.getFirst().timestamp());
            if (seen.size() == 1) {
                throw new IllegalStateException("first batch fails");
            }
        });
        stage.committed(batch(0, 1));
        stage.committed(batch(1, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(meters.get("edgeward.fanout.failures")
                        .tag("consumer", "flaky")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void close_letsConsumersFinishWhatTheyWereHanded() {
        List<Long> seen = new CopyOnWriteArrayList<>();
        stage.register("slowish", points -> seen.add(points.getFirst().timestamp()));
        IntStream.range(0, 4).forEach(i -> stage.committed(batch(i, 2)));
        stage.close();
        assertThat(seen).containsExactly(0L, 1L, 2L, 3L);
        assertThatThrownBy(() -> stage.register("late", points -> {})).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void names_areUnique() {
        stage.register("a", points -> {});
        assertThatThrownBy(() -> stage.register("a", points -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThat(stage.consumers()).containsExactly("a");
    }

    @Test
    void consumerMorePointsBehindThanItsBudget_skipsTheOldestBatches_soTheHeapStaysBounded() {
        CommittedTelemetry bounded = new CommittedTelemetry(meters, Threads.named("bounded"), 1024, 25);
        List<Long> seen = new CopyOnWriteArrayList<>();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        bounded.register("slow", points -> {
            holding.countDown();
            awaitLatch(go);
            seen.add(points.getFirst().timestamp());
        });
        bounded.start();
        try {
            bounded.committed(batch(0, 10));
            awaitLatch(holding);
            // Far fewer batches than the queue holds, but 10 points each: at most 25 may wait (batch 0,
            // taken, still counts), so each new batch pushes out the oldest waiting one.
            IntStream.rangeClosed(1, 4).forEach(i -> bounded.committed(batch(i, 10)));

            assertThat(meters.get("edgeward.fanout.dropped.points")
                            .tag("consumer", "slow")
                            .counter()
                            .count())
                    .isEqualTo(30);
            go.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
            assertThat(seen).containsExactly(0L, 4L);
        } finally {
            go.countDown();
            bounded.close();
        }
    }

    private void awaitRelease() {
        awaitLatch(release);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A batch of {@code size} points whose first carries {@code timestamp} = index, to tell batches apart. */
    private static List<Point> batch(long index, int size) {
        return IntStream.range(0, size)
                .mapToObj(i -> new Point(DeviceId.of("d"), "m" + i, index, Value.of(i), null))
                .toList();
    }

    @Test
    void consumerRegisteredBeforeStart_runsOnlyOnceTheStageStarts() {
        CommittedTelemetry notStarted = new CommittedTelemetry(meters, Threads.named("later"), 4);
        List<Long> seen = new CopyOnWriteArrayList<>();
        try {
            notStarted.register("early", points -> seen.add(points.get(0).timestamp()));
            notStarted.committed(batch(1, 1));
            assertThat(Thread.getAllStackTraces().keySet())
                    .extracting(Thread::getName)
                    .doesNotContain("later-fanout-early");
            notStarted.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.equals(List.of(1L)));
        } finally {
            notStarted.close();
        }
    }
}
