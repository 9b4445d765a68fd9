package io.edgeward.device;

import java.util.Arrays;

/** Records latencies (nanoseconds) exactly, up to a cap, for percentiles at the end of a run. */
final class LatencyRecorder {

    private static final int CAP = 20_000_000;

    private long[] samples = new long[1 << 16];
    private int size;
    private long max;

    synchronized void record(long nanos) {
        max = Math.max(max, nanos);
        if (size == samples.length) {
            if (size >= CAP) {
                return;
            }
            samples = Arrays.copyOf(samples, Math.min(CAP, size * 2));
        }
        samples[size++] = nanos;
    }

    /** Forgets everything recorded so far (the end of a warm-up). */
    synchronized void reset() {
        size = 0;
        max = 0;
    }

    synchronized Snapshot snapshot() {
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        return new Snapshot(sorted, max);
    }

    /** Percentiles in milliseconds. */
    record Snapshot(long[] sorted, long maxNanos) {
        double percentileMillis(double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
        }

        double maxMillis() {
            return maxNanos / 1e6;
        }

        int count() {
            return sorted.length;
        }
    }
}
