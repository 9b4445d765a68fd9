package io.edgeward.mqtt.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AcknowledgementDrainsTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final AcknowledgementDrains drains = new AcknowledgementDrains();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void drainsReleasedTogether_reachTheEventLoopAsOneTask_inOrder() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        loop.execute(() -> {
            running.countDown();
            awaitQuietly(busy);
        });
        running.await();
        List<Integer> ran = new CopyOnWriteArrayList<>();

        for (int i = 1; i <= 5; i++) {
            int n = i;
            drains.submit(loop, () -> ran.add(n));
        }
        assertThat(loop.pendingTasks()).isEqualTo(1);
        busy.countDown();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ran).containsExactly(1, 2, 3, 4, 5));
    }

    @Test
    void aDrainReleasedAfterABatchRan_isScheduledAgain() {
        List<String> ran = new CopyOnWriteArrayList<>();
        drains.submit(loop, () -> ran.add("first"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 1);

        drains.submit(loop, () -> ran.add("second"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ran).containsExactly("first", "second"));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
