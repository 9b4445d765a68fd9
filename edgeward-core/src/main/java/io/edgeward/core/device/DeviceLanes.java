package io.edgeward.core.device;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Work per device, one task at a time and in the order it was submitted, run on a shared executor:
 * the order a lock per device would give, without a lock. A task that waits (on a device's
 * transport, say) holds up only the later tasks of its own device; no thread waits for a lane,
 * and a lane with nothing to do costs nothing (it is dropped when its last task ends).
 */
public final class DeviceLanes {

    private final ConcurrentHashMap<DeviceId, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final Executor executor;

    /** @param executor runs the tasks; virtual threads suit tasks that wait */
    public DeviceLanes(Executor executor) {
        this.executor = executor;
    }

    /**
     * Runs {@code work} once every task submitted earlier for {@code device} has ended, however it
     * ended.
     *
     * @return completes when {@code work} has run: normally, or with what it threw, or with a
     *     {@link RejectedExecutionException} when the executor was shut down first
     */
    public CompletableFuture<Void> submit(DeviceId device, Runnable work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = tails.put(device, done);
        Runnable task = () -> {
            try {
                work.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            } finally {
                tails.remove(device, done);
            }
        };
        if (previous == null) {
            start(device, task, done);
        } else {
            previous.whenComplete((result, error) -> start(device, task, done));
        }
        return done;
    }

    /** Whether no task of {@code device} is running or waiting (a hint: another thread may submit one meanwhile). */
    public boolean idle(DeviceId device) {
        return !tails.containsKey(device);
    }

    /** Devices with a task running or waiting. */
    public int busy() {
        return tails.size();
    }

    private void start(DeviceId device, Runnable task, CompletableFuture<Void> done) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e);
            tails.remove(device, done);
        }
    }
}
