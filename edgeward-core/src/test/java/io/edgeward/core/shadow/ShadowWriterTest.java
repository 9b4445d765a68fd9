package io.edgeward.core.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.shadow.ShadowRepository.ShadowSave;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ShadowWriterTest {

    @Test
    void saves_racingClose_allComplete_storedOrRefused_noneLeftWaiting() throws Exception {
        // Each round closes the writer while four threads keep saving: a save that slipped in
        // between the writer's last look at its queue and its exit used to wait for ever.
        for (int round = 0; round < 200; round++) {
            ShadowWriter writer = new ShadowWriter(
                    new ShadowServiceTest.MemoryShadows(),
                    new SimpleMeterRegistry(),
                    Thread.ofPlatform().daemon().factory());
            writer.start();
            List<CompletableFuture<Boolean>> saves = new CopyOnWriteArrayList<>();
            CountDownLatch saving = new CountDownLatch(4);
            List<Thread> savers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                savers.add(Thread.ofPlatform().start(() -> {
                    saving.countDown();
                    // Before, during and (mostly) after close(): it is called as soon as all four have started.
                    for (int i = 0; i < 300; i++) {
                        saves.add(writer.save(save()));
                    }
                }));
            }
            saving.await();
            writer.close();
            for (Thread saver : savers) {
                saver.join();
            }
            // Once close() has returned and the saving threads are done, no save may still be waiting.
            assertThat(saves).as("round %d: every save completed", round).allMatch(CompletableFuture::isDone);
        }
    }

    @Test
    void save_afterClose_isRefusedAtOnce() {
        ShadowWriter writer = new ShadowWriter(
                new ShadowServiceTest.MemoryShadows(),
                new SimpleMeterRegistry(),
                Thread.ofPlatform().daemon().factory());
        writer.start();
        writer.close();
        CompletableFuture<Boolean> late = writer.save(save());
        assertThat(late).isCompletedExceptionally();
    }

    private static ShadowSave save() {
        return new ShadowSave(Shadow.empty(ShadowServiceTest.DEV), ChangedBy.DEVICE, null, 10);
    }
}
