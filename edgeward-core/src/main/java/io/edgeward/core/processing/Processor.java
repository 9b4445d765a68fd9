package io.edgeward.core.processing;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.BatchProcessor;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Filters and windows over each group commit's points, on the pipeline's writer thread (one
 * thread: the state needs no locks). A series' state is built at its first point, from what the
 * store holds ({@link History}); after that it only moves in memory. A failed commit, a new
 * configuration, a device's new tags or its deletion drop the state concerned, to be rebuilt the
 * same way, so the output the store holds is always the output of exactly the points it holds.
 */
final class Processor implements BatchProcessor {

    private final History history;
    private final ProcessingMetrics metrics;
    /** Set by other threads; the writer thread takes it up at its next batch. */
    private volatile ProcessingConfig pending = ProcessingConfig.EMPTY;
    /** Devices whose state is stale (new tags, deleted), from other threads. */
    private final Queue<DeviceId> changed = new ConcurrentLinkedQueue<>();

    private ProcessingConfig current = ProcessingConfig.EMPTY;
    private final Map<SeriesKey, SeriesState> series = new HashMap<>();
    private final Map<DeviceId, DeviceState> devices = new HashMap<>();
    /**
     * The newest stored points of the devices whose series this batch opens, read once per device
     * and batch: after a start every series of a device opens, each with several windows and filters.
     * Not kept longer: a series opened in a later batch may have had points stored since.
     */
    private final Map<DeviceId, Map<String, Point>> latestOfBatch = new HashMap<>();

    Processor(History history, ProcessingMetrics metrics) {
        this.history = history;
        this.metrics = metrics;
    }

    void configure(ProcessingConfig config) {
        pending = config;
    }

    void deviceChanged(DeviceId device) {
        changed.add(device);
    }

    @Override
    public Output process(List<Point> points) {
        ProcessingConfig next = pending;
        if (next != current) {
            current = next;
            series.clear();
            devices.clear();
        }
        for (DeviceId device; (device = changed.poll()) != null; ) {
            forget(device);
        }
        if (current.isEmpty()) {
            return Output.EMPTY;
        }
        latestOfBatch.clear(); // what an earlier batch read may be stale now
        Emitter out = new Emitter();
        List<DeviceState> withWindows = new ArrayList<>();
        for (Point point : points) {
            SeriesKey key = new SeriesKey(point.device(), point.metric());
            SeriesState state = series.get(key);
            if (state == null) {
                state = open(key, point, out);
                series.put(key, state);
            }
            for (FilterState filter : state.filters) {
                filter.offer(point, out);
            }
            if (!state.windows.isEmpty()) {
                DeviceState device = state.device;
                for (WindowState window : state.windows) {
                    window.add(point);
                }
                device.newest = Math.max(device.newest, point.timestamp());
                if (!device.touched) {
                    device.touched = true;
                    withWindows.add(device);
                }
            }
        }
        for (DeviceState device : withWindows) {
            device.touched = false;
            for (WindowState window : device.windows) {
                window.closeUpTo(device.newest, out);
            }
        }
        return out.result();
    }

    @Override
    public void discard(List<Point> points) {
        Set<DeviceId> touched = new LinkedHashSet<>();
        for (Point point : points) {
            touched.add(point.device());
        }
        touched.forEach(this::forget);
    }

    private void forget(DeviceId id) {
        DeviceState device = devices.remove(id);
        if (device != null) {
            device.series.forEach(series::remove);
        }
    }

    /** The series' filters and windows, rebuilt from the store. */
    private SeriesState open(SeriesKey key, Point first, Emitter out) {
        DeviceState device = devices.computeIfAbsent(key.device(), id -> new DeviceState(history.device(id)));
        device.series.add(key);
        Device owner = device.owner;
        if (owner == null) {
            return SeriesState.NONE;
        }
        List<FilterState> filters = new ArrayList<>();
        for (FilterSpec spec : current.filters()) {
            if (spec.match().matches(owner, key.metric())) {
                filters.add(FilterState.restore(spec, history, latest(key.device()), first, metrics, out));
            }
        }
        List<WindowState> windows = new ArrayList<>();
        for (WindowSpec spec : current.windows()) {
            if (spec.match().matches(owner, key.metric()) && WindowState.applicable(spec, key.metric())) {
                WindowState window = WindowState.restore(spec, history, latest(key.device()), first, metrics, out);
                windows.add(window);
                device.windows.add(window);
            }
        }
        if (filters.isEmpty() && windows.isEmpty()) {
            return SeriesState.NONE;
        }
        return new SeriesState(device, filters, windows);
    }

    private Map<String, Point> latest(DeviceId device) {
        return latestOfBatch.computeIfAbsent(device, history::latest);
    }

    private record SeriesState(DeviceState device, List<FilterState> filters, List<WindowState> windows) {
        static final SeriesState NONE = new SeriesState(null, List.of(), List.of());
    }

    /** A device's watermark source (its newest event time seen) and the states built for it. */
    private static final class DeviceState {
        final Device owner;
        final List<SeriesKey> series = new ArrayList<>();
        final List<WindowState> windows = new ArrayList<>();
        long newest = Long.MIN_VALUE;
        boolean touched;

        DeviceState(Optional<Device> owner) {
            this.owner = owner.orElse(null);
        }
    }
}
