package io.edgeward.core.processing;

import java.util.Arrays;

/**
 * A window's numbers by time: two parallel arrays, appended to when points come in order (as they
 * nearly always do), a binary search and a shift when one is late, its value replaced when its
 * time is already held (a redelivery). Replaces a {@code TreeMap<Long, Double>}, whose boxed entries
 * cost the writer thread an allocation per point and window. Rules keep their windowed aggregates'
 * points in the same way.
 */
public final class TimeBuffer {

    private long[] times = new long[16];
    private double[] values = new double[16];
    /** The live entries are {@code [head, end)}. */
    private int head;

    private int end;

    public void put(long time, double value) {
        if (end == head || time > times[end - 1]) {
            room();
            times[end] = time;
            values[end] = value;
            end++;
            return;
        }
        int found = Arrays.binarySearch(times, head, end, time);
        if (found >= 0) {
            values[found] = value;
            return;
        }
        room();
        int at = -found - 1;
        System.arraycopy(times, at, times, at + 1, end - at);
        System.arraycopy(values, at, values, at + 1, end - at);
        times[at] = time;
        values[at] = value;
        end++;
    }

    public boolean isEmpty() {
        return end == head;
    }

    public long firstTime() {
        return times[head];
    }

    /** The index of the first entry at or after {@code time}: entries {@code [from(a), from(b))} are those in {@code [a, b)}. */
    public int from(long time) {
        int found = Arrays.binarySearch(times, head, end, time);
        return found >= 0 ? found : -found - 1;
    }

    public long time(int index) {
        return times[index];
    }

    public double value(int index) {
        return values[index];
    }

    /** Forgets every entry before {@code time}. */
    public void dropBefore(long time) {
        head = from(time);
        if (head == end) {
            head = 0;
            end = 0;
        }
    }

    private void room() {
        if (end < times.length) {
            return;
        }
        int live = end - head;
        if (head > 0 && live < times.length / 2) {
            System.arraycopy(times, head, times, 0, live);
            System.arraycopy(values, head, values, 0, live);
        } else {
            long[] moreTimes = new long[times.length * 2];
            double[] moreValues = new double[values.length * 2];
            System.arraycopy(times, head, moreTimes, 0, live);
            System.arraycopy(values, head, moreValues, 0, live);
            times = moreTimes;
            values = moreValues;
        }
        head = 0;
        end = live;
    }
}
