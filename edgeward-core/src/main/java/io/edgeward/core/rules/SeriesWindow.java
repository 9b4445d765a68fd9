package io.edgeward.core.rules;

import io.edgeward.core.processing.TimeBuffer;

/**
 * One device's recent points of one metric, as long as the longest window a condition asks of it,
 * and the aggregates over a window ending at a point. Numbers only: a boolean counts as 0 or 1, a
 * string is not held.
 */
final class SeriesWindow {

    private final TimeBuffer points = new TimeBuffer();
    private long span;

    SeriesWindow(long span) {
        this.span = span;
    }

    long span() {
        return span;
    }

    void widen(long atLeast) {
        span = Math.max(span, atLeast);
    }

    void add(long ts, double value) {
        points.put(ts, value);
        if (!points.isEmpty() && points.firstTime() <= ts - span - 1) {
            points.dropBefore(ts - span);
        }
    }

    /** Over the points in {@code (end - window, end]}; NaN when none is (0 for count). */
    double aggregate(Aggregate.Function function, long end, long window) {
        int from = points.from(end - window + 1);
        int to = points.from(end + 1);
        int n = to - from;
        if (function == Aggregate.Function.COUNT) {
            return n;
        }
        if (n == 0) {
            return Double.NaN;
        }
        return switch (function) {
            case MIN -> {
                double min = Double.POSITIVE_INFINITY;
                for (int i = from; i < to; i++) {
                    min = Math.min(min, points.value(i));
                }
                yield min;
            }
            case MAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = from; i < to; i++) {
                    max = Math.max(max, points.value(i));
                }
                yield max;
            }
            case RATE -> {
                long millis = points.time(to - 1) - points.time(from);
                yield millis == 0 ? 0 : (points.value(to - 1) - points.value(from)) * 1000.0 / millis;
            }
            default -> {
                double sum = 0;
                for (int i = from; i < to; i++) {
                    sum += points.value(i);
                }
                double mean = sum / n;
                if (function == Aggregate.Function.AVG) {
                    yield mean;
                }
                double squares = 0; // population, as the seed and the rollups compute it
                for (int i = from; i < to; i++) {
                    double d = points.value(i) - mean;
                    squares += d * d;
                }
                yield Math.sqrt(squares / n);
            }
        };
    }
}
