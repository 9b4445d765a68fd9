package io.edgeward.mqtt.internal.acknowledgement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The drains of one event loop's connections share one task on a real Netty event loop. */
class AcknowledgementDrainsTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final AcknowledgementDrains drains = new AcknowledgementDrains();
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @Test
    void schedule_ofManyConnectionsWhileTheLoopIsBusy_queuesOneTaskThatRunsThemAll() throws InterruptedException {
        CountDownLatch busy = new CountDownLatch(1);
        occupy(busy);

        drains.schedule(loop, () -> ran.add("a"));
        drains.schedule(loop, () -> ran.add("b"));
        drains.schedule(loop, () -> ran.add("c"));
        assertThat(loop.pendingTasks()).isEqualTo(1);

        busy.countDown();
        await().atMost(5, TimeUnit.SECONDS).until(() -> ran.size() == 3);
        assertThat(ran).containsExactly("a", "b", "c");
    }

    @Test
    void schedule_afterTheTaskHasRun_runsTheNewDrainToo() {
        drains.schedule(loop, () -> ran.add("first"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> ran.size() == 1);

        drains.schedule(loop, () -> ran.add("second"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> ran.size() == 2);
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void aDrainThatThrows_doesNotHoldUpTheOthersOfItsLoop() throws InterruptedException {
        CountDownLatch busy = new CountDownLatch(1);
        occupy(busy);
        drains.schedule(loop, () -> {
            throw new IllegalStateException("channel gone");
        });
        drains.schedule(loop, () -> ran.add("after"));

        busy.countDown();
        await().atMost(5, TimeUnit.SECONDS).until(() -> ran.contains("after"));
    }

    /** Runs a task on the loop that holds it until {@code busy} opens; returns once that task is running. */
    private void occupy(CountDownLatch busy) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        loop.execute(() -> {
            running.countDown();
            awaitQuietly(busy);
        });
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
