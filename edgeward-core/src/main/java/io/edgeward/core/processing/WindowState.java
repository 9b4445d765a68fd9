package io.edgeward.core.processing;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One window definition on one series: the numbers of every window not yet closed, by time, so a
 * point that replaces another (a redelivery) replaces it here too, and each window's result is
 * computed exactly once, when it closes.
 */
final class WindowState {

    /** How far before its first new point a series' unclosed windows are looked for after a start. */
    static final Duration LOOKBACK = Duration.ofDays(1);

    /** Stored points read at a time when a series' windows reopen. */
    private static final int REPLAY_PAGE = 50_000;

    private final WindowSpec spec;
    private final DeviceId device;
    private final List<String> derived;
    private final long size;
    private final long slide;
    private final long lateness;
    private final Counter closed;
    private final Counter late;
    private final TimeBuffer numbers = new TimeBuffer();
    private String unit;
    /** The start of the first window not yet closed. */
    private long nextStart;

    private WindowState(WindowSpec spec, DeviceId device, String metric, ProcessingMetrics metrics) {
        this.spec = spec;
        this.device = device;
        this.derived = spec.functions().stream()
                .map(function -> spec.derivedMetric(metric, function))
                .toList();
        this.size = spec.size().toMillis();
        this.slide = spec.slide().toMillis();
        this.lateness = spec.lateness().toMillis();
        this.closed = metrics.windows(spec.name());
        this.late = metrics.late(spec.name());
    }

    /** True when every derived metric name is valid (a long window name and metric may exceed 128 characters). */
    static boolean applicable(WindowSpec spec, String metric) {
        return spec.functions().stream().allMatch(f -> Point.isValidMetric(spec.derivedMetric(metric, f)));
    }

    /**
     * The windows of the series as the stored points and results leave them: every window after the
     * last one whose result is stored reopens from the stored points, so none is lost or repeated. A
     * series without a stored result reopens from its points of the last {@link #LOOKBACK}: a node
     * killed before the first of its windows closed has points in it, and the first point after the
     * restart may already be in a later window. (So a new window definition also covers the last
     * day's points.) Past a page of points the windows that page completes close as it is read, so
     * the replay holds at most a page.
     */
    static WindowState restore(
            WindowSpec spec,
            History history,
            Map<String, Point> latest,
            Point first,
            ProcessingMetrics metrics,
            Emitter out) {
        WindowState state = new WindowState(spec, first.device(), first.metric(), metrics);
        long earliest = state.alignUp(state.alignUp(first.timestamp() - state.size + 1) - LOOKBACK.toMillis());
        Optional<Point> lastResult = Optional.ofNullable(latest.get(state.derived.get(0)));
        long from = Math.max(
                earliest, lastResult.map(p -> p.timestamp() + state.slide).orElse(earliest));
        state.nextStart = from;
        while (from < first.timestamp()) {
            List<Point> page = history.raw(first.device(), first.metric(), from, first.timestamp(), REPLAY_PAGE);
            page.forEach(state::put);
            if (page.size() < REPLAY_PAGE) {
                break;
            }
            long newest = page.get(page.size() - 1).timestamp();
            // Every later point is newer: the windows ending by this one's time hold all they will.
            state.closeUpTo(newest, out);
            from = newest + 1;
        }
        return state;
    }

    void add(Point point) {
        if (!(point.value() instanceof Value.Num)) {
            return;
        }
        if (point.timestamp() < nextStart) {
            late.increment(); // every window that holds it has closed
            return;
        }
        put(point);
    }

    private void put(Point point) {
        if (point.value() instanceof Value.Num n) {
            numbers.put(point.timestamp(), n.value());
            if (point.unit() != null) {
                unit = point.unit();
            }
        }
    }

    /** Closes every window that ends at or before the watermark, the device's newest time minus the lateness. */
    void closeUpTo(long newest, Emitter out) {
        long watermark = newest - lateness;
        while (nextStart + size <= watermark) {
            if (numbers.isEmpty()) {
                // No numbers: skip to the first window still open.
                nextStart = Math.max(nextStart, alignDown(watermark - size) + slide);
                return;
            }
            long firstTime = numbers.firstTime();
            if (firstTime >= nextStart + size) {
                nextStart = Math.max(nextStart, alignUp(firstTime - size + 1));
                continue;
            }
            emit(numbers.from(nextStart), numbers.from(nextStart + size), out);
            nextStart += slide;
            numbers.dropBefore(nextStart);
        }
    }

    /** Emits the window holding the numbers at indexes {@code [from, to)}, if any. */
    private void emit(int from, int to, Emitter out) {
        if (from >= to) {
            return;
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double v = numbers.value(i);
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        int n = to - from;
        double mean = sum / n;
        for (int i = 0; i < spec.functions().size(); i++) {
            WindowFunction function = spec.functions().get(i);
            double result = switch (function) {
                case MEAN -> mean;
                case MIN -> min;
                case MAX -> max;
                case SUM -> sum;
                case COUNT -> n;
                case STDDEV -> stddev(from, to, mean);
                case FIRST -> numbers.value(from);
                case LAST -> numbers.value(to - 1);
            };
            out.derived(
                    spec.name(),
                    new Point(
                            device,
                            derived.get(i),
                            nextStart,
                            Value.of(result),
                            function == WindowFunction.COUNT ? null : unit));
        }
        closed.increment();
    }

    /** Population standard deviation, in two passes (a sum of squares loses digits on large, close values). */
    private double stddev(int from, int to, double mean) {
        double squares = 0;
        for (int i = from; i < to; i++) {
            double d = numbers.value(i) - mean;
            squares += d * d;
        }
        return Math.sqrt(squares / (to - from));
    }

    private long alignDown(long t) {
        return Math.floorDiv(t, slide) * slide;
    }

    private long alignUp(long t) {
        return -Math.floorDiv(-t, slide) * slide;
    }
}
