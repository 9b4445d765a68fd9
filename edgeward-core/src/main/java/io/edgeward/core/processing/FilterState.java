package io.edgeward.core.processing;

import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.Map;

/** One filter on one series: what it passed last and, for a sample, the interval still open. */
final class FilterState {

    /** Raw points a sample reads back at most to reopen its interval. */
    private static final int REPLAY_LIMIT = 100_000;

    private final FilterSpec spec;
    private final Counter filtered;
    private final Counter passed;
    private final long heartbeat;

    private Value lastPassed;
    private long lastPassedTs;
    /** When nothing has passed yet: the first point's time, from which a heartbeat counts. */
    private long firstSeenTs = Long.MIN_VALUE;
    /** Threshold: whether the last number seen was outside the band. */
    private boolean outside;

    /** Sample (last, mean): the open interval's index, its newest point, and its numbers. */
    private long open = Long.MIN_VALUE;

    private Point newestInOpen;
    private double sum;
    private long numbers;
    private long pointsInOpen;

    private FilterState(FilterSpec spec, ProcessingMetrics metrics) {
        this.spec = spec;
        this.filtered = metrics.filtered(spec.name());
        this.passed = metrics.passed(spec.name());
        this.heartbeat =
                spec.heartbeat() == null ? Long.MAX_VALUE : spec.heartbeat().toMillis();
    }

    /** The state as the stored output and points leave it, before {@code first}, the series' next point. */
    static FilterState restore(
            FilterSpec spec,
            History history,
            Map<String, Point> latest,
            Point first,
            ProcessingMetrics metrics,
            Emitter out) {
        FilterState state = new FilterState(spec, metrics);
        history.last(spec.name(), first.device(), first.metric()).ifPresent(record -> {
            state.lastPassed = record.value();
            state.lastPassedTs = record.timestamp();
        });
        switch (spec.rule()) {
            case FilterRule.Threshold threshold -> {
                Point newest = latest.get(first.metric());
                state.outside = newest != null && newest.value() instanceof Value.Num n && threshold.outside(n.value());
            }
            case FilterRule.Sample sample
            when sample.keep() != FilterRule.Keep.FIRST -> {
                // The interval open when the node stopped: its points are stored, its result is not.
                long every = sample.every().toMillis();
                long from = state.lastPassed != null
                        ? (Math.floorDiv(state.lastPassedTs, every) + 1) * every
                        : (Math.floorDiv(first.timestamp(), every) - 1) * every;
                if (from < first.timestamp()) {
                    List<Point> stored =
                            history.raw(first.device(), first.metric(), from, first.timestamp(), REPLAY_LIMIT);
                    for (Point point : stored) {
                        state.sample(point, sample, out, false);
                    }
                }
            }
            default -> {}
        }
        return state;
    }

    void offer(Point point, Emitter out) {
        boolean due = lastPassed != null
                ? point.timestamp() - lastPassedTs >= heartbeat
                : firstSeenTs != Long.MIN_VALUE && point.timestamp() - firstSeenTs >= heartbeat;
        boolean pass = switch (spec.rule()) {
            case FilterRule.Deadband deadband -> lastPassed == null || due || moved(deadband, point.value());
            case FilterRule.ChangeDriven change ->
                lastPassed == null || due || !point.value().equals(lastPassed);
            case FilterRule.Threshold threshold -> threshold(threshold, point) || due;
            case FilterRule.Sample sample -> {
                sample(point, sample, out, true);
                yield false; // a sample passes (or not) by itself
            }
        };
        if (pass) {
            pass(point, out);
        } else if (!(spec.rule() instanceof FilterRule.Sample)) {
            filtered.increment();
        }
        if (firstSeenTs == Long.MIN_VALUE) {
            firstSeenTs = point.timestamp();
        }
    }

    private void pass(Point point, Emitter out) {
        lastPassed = point.value();
        lastPassedTs = point.timestamp();
        out.passed(spec.name(), point);
        passed.increment();
    }

    private boolean moved(FilterRule.Deadband deadband, Value value) {
        if (value instanceof Value.Num now && lastPassed instanceof Value.Num last) {
            double change = Math.abs(now.value() - last.value());
            return deadband.absolute() != null
                    ? change >= deadband.absolute()
                    : last.value() == 0 ? change > 0 : change >= Math.abs(last.value()) * deadband.percent() / 100;
        }
        return !value.equals(lastPassed);
    }

    /** Outside the band, or the first number back inside after one outside. */
    private boolean threshold(FilterRule.Threshold threshold, Point point) {
        if (!(point.value() instanceof Value.Num n)) {
            return false;
        }
        boolean wasOutside = outside;
        outside = threshold.outside(n.value());
        return outside || wasOutside;
    }

    /**
     * One point per interval: the first at once; the last or the mean once a point of a later
     * interval shows the open one is over. A point of an interval already over is dropped.
     */
    private void sample(Point point, FilterRule.Sample sample, Emitter out, boolean count) {
        long every = sample.every().toMillis();
        long interval = Math.floorDiv(point.timestamp(), every);
        if (sample.keep() == FilterRule.Keep.FIRST) {
            if (lastPassed == null || interval > Math.floorDiv(lastPassedTs, every)) {
                pass(point, out);
            } else if (count) {
                filtered.increment();
            }
            return;
        }
        if (open != Long.MIN_VALUE && interval > open) {
            closeInterval(sample, out, count);
        }
        if (open == Long.MIN_VALUE) {
            if (lastPassed != null && interval <= Math.floorDiv(lastPassedTs, every)) {
                if (count) {
                    filtered.increment(); // its interval's result is already passed
                }
                return;
            }
            open = interval;
        }
        if (interval < open) {
            if (count) {
                filtered.increment();
            }
            return;
        }
        pointsInOpen++;
        if (point.value() instanceof Value.Num n) {
            sum += n.value();
            numbers++;
        }
        if (newestInOpen == null || point.timestamp() >= newestInOpen.timestamp()) {
            newestInOpen = point;
        }
    }

    private void closeInterval(FilterRule.Sample sample, Emitter out, boolean count) {
        Point result = newestInOpen;
        if (sample.keep() == FilterRule.Keep.MEAN && numbers > 0) {
            result = new Point(
                    result.device(),
                    result.metric(),
                    open * sample.every().toMillis(),
                    Value.of(sum / numbers),
                    result.unit());
        }
        pass(result, out);
        if (count) {
            filtered.increment(pointsInOpen - 1);
        }
        open = Long.MIN_VALUE;
        newestInOpen = null;
        sum = 0;
        numbers = 0;
        pointsInOpen = 0;
    }
}
