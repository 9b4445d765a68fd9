package io.edgeward.core.shadow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the latest value of each configured metric into the device's {@code reported} state.
 *
 * <p>The pipeline hands over every committed batch; this keeps only the newest value per device
 * and metric in memory, and folds them into the shadows once per interval: a burst of telemetry
 * costs one shadow write per device, and none when the values did not change.
 */
public final class ShadowReporter implements Consumer<List<Point>>, Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowReporter.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final BinaryOperator<Point> NEWER =
            (old, fresh) -> fresh.timestamp() >= old.timestamp() ? fresh : old;

    private final ShadowService shadows;
    private final ShadowSettings settings;
    private final Object lock = new Object();
    /** The newest value per device and metric since the last flush; swapped whole by {@link #flush()}. */
    private Map<DeviceId, Map<String, Point>> pending = new HashMap<>();

    private final ThreadFactory threads;
    /** One virtual thread per device and flush: the updates of a flush share the shadow writer's group commits. */
    private final ThreadFactory updateThreads;

    private ScheduledExecutorService flusher;

    public ShadowReporter(ShadowService shadows, Threads threads) {
        this.shadows = shadows;
        this.settings = shadows.settings();
        this.threads = threads.platform("shadow-reporter");
        this.updateThreads = threads.virtual("shadow-report");
    }

    @Override
    public synchronized void start() {
        if (flusher == null && settings.reportsAny()) {
            flusher = Executors.newSingleThreadScheduledExecutor(threads);
            long period = settings.reportedInterval().toMillis();
            flusher.scheduleWithFixedDelay(this::flush, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** Called on the pipeline's writer thread after each commit: cheap, never blocks. */
    @Override
    public void accept(List<Point> points) {
        if (!settings.reportsAny()) {
            return;
        }
        // One lock per commit rather than an atomic map update per point; flush() holds it only to swap the map.
        synchronized (lock) {
            for (Point point : points) {
                if (settings.reports(point.metric())) {
                    pending.computeIfAbsent(point.device(), device -> new HashMap<>())
                            .merge(point.metric(), point, NEWER);
                }
            }
        }
    }

    /**
     * Folds what arrived since the last flush into the shadows, all devices at once, so that
     * their writes share the shadow store's group commits.
     */
    public void flush() {
        Map<DeviceId, Map<String, Point>> taken;
        synchronized (lock) {
            if (pending.isEmpty()) {
                return;
            }
            taken = pending;
            pending = new HashMap<>();
        }
        try (ExecutorService updates = Executors.newThreadPerTaskExecutor(updateThreads)) {
            taken.forEach((device, latest) -> updates.execute(() -> report(device, latest)));
        }
    }

    private void report(DeviceId device, Map<String, Point> latest) {
        ObjectNode reported = NODES.objectNode();
        latest.forEach((metric, point) -> reported.set(metric, json(point.value())));
        try {
            shadows.report(device, reported);
        } catch (ShadowException e) {
            // 404: the device was deleted meanwhile; 413: the shadow is full. Neither is the telemetry's fault.
            LOG.debug("Reported state of '{}' not updated from telemetry: {}", device, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Reported state of '{}' not updated from telemetry: {}", device, e.toString());
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode json(Value value) {
        return switch (value) {
            case Value.Num num -> NODES.numberNode(num.value());
            case Value.Bool bool -> NODES.booleanNode(bool.value());
            case Value.Text text -> NODES.textNode(text.value());
        };
    }

    @Override
    public synchronized void close() {
        if (flusher != null) {
            flusher.shutdown();
            try {
                flusher.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            flusher = null;
            flush();
        }
    }
}
