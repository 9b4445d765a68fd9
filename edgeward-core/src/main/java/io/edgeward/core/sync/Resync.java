package io.edgeward.core.sync;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.telemetry.SeriesInfo;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TimeRange;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: sends a device's or the whole edge's history for a time range again, from the local
 * store, on the low stream (a cloud that lost data, or a cloud newly attached). It runs in the
 * background, one at a time: it appends 2,000 points per outbox row, waits while the low stream
 * holds more than a quarter of the outbox's quota (so the resync never makes the outbox evict),
 * and asks the sender to drain at once. The cloud stores a point once per (device, metric, time),
 * so what it already had changes nothing.
 */
public final class Resync {

    private static final Logger LOG = LoggerFactory.getLogger(Resync.class);
    static final int POINTS_PER_ROW = 2_000;

    private final DeviceRegistry registry;
    private final TelemetryReader telemetry;
    private final Outbox outbox;
    private final SyncSender sender;
    private final SyncSettings settings;
    private final Clock clock;
    private final Threads threads;
    private volatile Progress progress;

    public Resync(
            DeviceRegistry registry,
            TelemetryReader telemetry,
            Outbox outbox,
            SyncSender sender,
            SyncSettings settings,
            Clock clock,
            Threads threads) {
        this.registry = registry;
        this.telemetry = telemetry;
        this.outbox = outbox;
        this.sender = sender;
        this.settings = settings;
        this.clock = clock;
        this.threads = threads;
    }

    /**
     * Where a resync stands.
     *
     * @param device the device, or null for every device
     * @param state {@code running}, {@code done} or {@code failed}
     */
    public record Progress(
            String device,
            long from,
            long to,
            String state,
            int devices,
            int devicesDone,
            long points,
            long startedAt,
            long finishedAt,
            String error) {}

    /**
     * Starts a resync.
     *
     * @param device one device, or null for every device of this edge
     * @throws IllegalStateException while another runs
     * @throws io.edgeward.core.device.DeviceNotFoundException for an unknown device
     */
    public synchronized Progress start(String device, long from, long to) {
        if (to <= from) {
            throw new IllegalArgumentException("to must be after from");
        }
        if (progress != null && progress.state().equals("running")) {
            throw new IllegalStateException("a resync is running (" + progress.points() + " points queued so far)");
        }
        List<Device> devices = device == null ? everyDevice() : List.of(registry.get(device));
        Progress started = new Progress(device, from, to, "running", devices.size(), 0, 0, clock.millis(), 0, null);
        progress = started;
        threads.virtual("sync-resync").newThread(() -> run(devices, started)).start();
        return started;
    }

    public Progress progress() {
        return progress;
    }

    private List<Device> everyDevice() {
        List<Device> all = new ArrayList<>();
        DeviceId after = null;
        while (true) {
            List<Device> page = registry.list(DeviceFilter.ALL, 500, after);
            all.addAll(page);
            if (page.size() < 500) {
                return all;
            }
            after = page.getLast().id();
        }
    }

    private void run(List<Device> devices, Progress started) {
        long points = 0;
        int done = 0;
        try {
            for (Device device : devices) {
                // The device's record first (high), so the cloud has it before its points.
                outbox.append(List.of(SyncCodec.segment(Priority.HIGH, List.of(SyncEvents.device(device)))));
                for (SeriesInfo series : telemetry.series(device.id())) {
                    if (series.lastAt() < started.from() || series.firstAt() >= started.to()) {
                        continue;
                    }
                    points += resend(device.id(), series.metric(), started);
                    progress = with(started, done, points, "running", null);
                }
                done++;
                progress = with(started, done, points, "running", null);
            }
            sender.flush();
            progress = with(started, done, points, "done", null);
            LOG.info("Resync queued {} point(s) of {} device(s) for the uplink", points, done);
        } catch (RuntimeException | InterruptedException e) {
            progress = with(started, done, points, "failed", Objects.toString(e.getMessage(), e.toString()));
            LOG.error("Resync failed after {} point(s)", points, e);
        }
    }

    private long resend(DeviceId device, String metric, Progress started) throws InterruptedException {
        List<Record> chunk = new ArrayList<>(POINTS_PER_ROW);
        long[] count = {0};
        RuntimeException[] failure = {null};
        telemetry.forEachRaw(device, metric, new TimeRange(started.from(), started.to()), point -> {
            if (failure[0] != null) {
                return;
            }
            chunk.add(SyncCodec.point(point));
            if (chunk.size() == POINTS_PER_ROW) {
                try {
                    flush(chunk);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure[0] = new IllegalStateException("interrupted");
                } catch (RuntimeException e) {
                    failure[0] = e;
                }
                count[0] += POINTS_PER_ROW;
                chunk.clear();
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        count[0] += chunk.size();
        if (!chunk.isEmpty()) {
            flush(chunk);
        }
        return count[0];
    }

    /** Appends one row, after waiting for the low stream to drain below a quarter of the quota. */
    private void flush(List<Record> chunk) throws InterruptedException {
        while (outbox.backlog()
                        .getOrDefault(Priority.LOW, Backlog.empty(Priority.LOW))
                        .bytes()
                > settings.maxDisk() / 4) {
            Thread.sleep(200);
        }
        outbox.append(List.of(SyncCodec.segment(Priority.LOW, List.copyOf(chunk))));
        sender.flush();
    }

    private Progress with(Progress started, int done, long points, String state, String error) {
        return new Progress(
                started.device(),
                started.from(),
                started.to(),
                state,
                started.devices(),
                done,
                points,
                started.startedAt(),
                state.equals("running") ? 0 : clock.millis(),
                error);
    }
}
