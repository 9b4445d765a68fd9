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
import java.util.concurrent.ThreadFactory;
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
    private boolean started;
    /** False from close() on; read by saving threads. */
    private volatile boolean running = true;

    ShadowWriter(ShadowRepository repository, MeterRegistry meters, ThreadFactory threads) {
        this.repository = repository;
        this.batchSize = DistributionSummary.builder("edgeward.shadow.commit.batch")
                .description("Shadow updates stored per transaction (group commit)")
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                .register(meters);
        this.commitTime = Timer.builder("edgeward.shadow.commit")
                .description("Duration of one shadow group commit")
                .serviceLevelObjectives(
                        Duration.ofMillis(1),
                        Duration.ofMillis(5),
                        Duration.ofMillis(10),
                        Duration.ofMillis(50),
                        Duration.ofMillis(100),
                        Duration.ofMillis(500))
                .register(meters);
        this.thread = threads.newThread(this::loop);
    }

    /** Starts the writer's thread; saves made before wait for it. */
    synchronized void start() {
        if (!started && running) {
            started = true;
            thread.start();
        }
    }

    /**
     * Completes with whether the save won its compare-and-set, once committed; exceptionally when
     * the commit failed or the writer was closed before it took the save.
     */
    CompletableFuture<Boolean> save(ShadowSave save) {
        Pending pending = new Pending(save, new CompletableFuture<>());
        queue.add(pending);
        // close() may have stopped the loop and drained the queue between a check of running and
        // this add: whoever removes a pending from the queue completes it, so it cannot be left behind.
        if (!running && queue.remove(pending)) {
            pending.done.completeExceptionally(closed());
        }
        return pending.done;
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                int stop = batch.indexOf(STOP);
                if (stop >= 0) {
                    // Stores what was queued before close(); what came after it is refused.
                    commit(batch.subList(0, stop));
                    batch.subList(stop + 1, batch.size())
                            .forEach(pending -> pending.done.completeExceptionally(closed()));
                    return;
                }
                commit(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            batch.forEach(pending -> pending.done.completeExceptionally(closed()));
        }
    }

    private void commit(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            List<Boolean> results =
                    repository.saveAll(batch.stream().map(Pending::save).toList());
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

    /** Stores what is queued (for at most 30 s), then stops; a save it did not store is refused, never left waiting. */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
            if (!started) {
                started = true; // never to start: what was saved is refused below
            } else {
                queue.add(STOP);
            }
        }
        try {
            if (thread.isAlive()) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.stream()
                .filter(pending -> pending != STOP)
                .forEach(pending -> pending.done.completeExceptionally(closed()));
    }

    private static IllegalStateException closed() {
        return new IllegalStateException("the shadow store is closed");
    }

    private record Pending(ShadowSave save, CompletableFuture<Boolean> done) {}

    /** Queued by close(): wakes the writer at once and marks where the saves it still stores end. */
    private static final Pending STOP = new Pending(null, new CompletableFuture<>());
}
