package io.edgeward.core.shadow;

import io.edgeward.core.shadow.ShadowRepository.ShadowSave;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for shadows: one thread stores every update waiting at that moment in one
 * transaction, so a thousand devices updating at once cost a few commits, not a thousand fsyncs.
 * Callers wait for their own result, which is what lets the protocol hold the device's
 * acknowledgement until the update is durable.
 */
final class ShadowWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowWriter.class);
    private static final int MAX_BATCH = 1000;

    private final ShadowRepository repository;
    private final DistributionSummary batchSize;
    private final Timer commitTime;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    ShadowWriter(ShadowRepository repository, MeterRegistry meters) {
        this.repository = repository;
        this.batchSize = DistributionSummary.builder("edgeward.shadow.commit.batch")
                .description("Shadow updates stored per transaction (group commit)")
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                .register(meters);
        this.commitTime = Timer.builder("edgeward.shadow.commit")
                .description("Duration of one shadow group commit")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
                        Duration.ofMillis(100), Duration.ofMillis(500))
                .register(meters);
        this.thread = Thread.ofPlatform().name("edgeward-shadow-writer").daemon().start(this::loop);
    }

    /** Completes with whether the save won its compare-and-set, once committed. */
    CompletableFuture<Boolean> save(ShadowSave save) {
        Pending pending = new Pending(save, new CompletableFuture<>());
        if (!running) {
            pending.done.completeExceptionally(new IllegalStateException("the shadow store is closed"));
            return pending.done;
        }
        queue.add(pending);
        return pending.done;
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Pending> batch) {
        long started = System.nanoTime();
        try {
            List<Boolean> results = repository.saveAll(batch.stream().map(Pending::save).toList());
            commitTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            batchSize.record(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done.complete(results.get(i));
            }
        } catch (RuntimeException e) {
            LOG.warn("Storing {} shadow update(s) failed; they were refused: {}", batch.size(), e.toString());
            batch.forEach(pending -> pending.done.completeExceptionally(e));
        }
    }

    /** Stores what is queued, then stops. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Pending(ShadowSave save, CompletableFuture<Boolean> done) {}
}
