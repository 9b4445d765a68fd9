package io.edgeward.core.observability;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides whether a log line about a key (typically a device or client id) may be written now: at
 * most once per key per period, and at most {@link #MAX_LINES_PER_PERIOD} lines per period in all.
 * Bad input from one device must not flood the log, a device that sends garbage forever still gets
 * one line a minute so the operator notices, and a stranger inventing a new key for every packet
 * (random client ids, random tokens) can neither fill the disk with lines nor the heap with keys.
 *
 * <p>Memory is bounded whatever the keys look like: at most {@link #MAX_KEYS} keys are remembered,
 * each cut to {@link #MAX_KEY_LENGTH} characters (a long key is kept as its head and a hash of the
 * whole). Lines refused by the overall budget are counted; {@link #takeSuppressed()} lets the next
 * line written say how many similar ones were left out.
 */
public final class RateLimitedLog {

    static final int MAX_KEYS = 10_000;
    static final int MAX_KEY_LENGTH = 96;
    static final int MAX_LINES_PER_PERIOD = 100;

    private final long periodNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();
    /** The overall budget: the start of its period and the lines written and left out in it (guarded by {@code this}). */
    private long budgetPeriodStart;

    private int linesInPeriod;
    private long suppressed;

    public RateLimitedLog(Duration period, LongSupplier nanoTime) {
        this.periodNanos = period.toNanos();
        this.nanoTime = nanoTime;
        this.budgetPeriodStart = nanoTime.getAsLong();
    }

    public static RateLimitedLog perMinute() {
        return new RateLimitedLog(Duration.ofMinutes(1), System::nanoTime);
    }

    /** True at most once per period for the same key, and only while the period's overall budget lasts. */
    public boolean allow(String key) {
        long now = nanoTime.getAsLong();
        String bounded = bounded(key);
        Long previous = lastLogged.get(bounded);
        if (previous != null && now - previous < periodNanos) {
            return false;
        }
        if (!spendBudget(now)) {
            return false;
        }
        if (lastLogged.size() >= MAX_KEYS) {
            // A flood of distinct keys must not grow this map; forgetting them only allows one more line each,
            // and the overall budget still holds.
            lastLogged.clear();
        }
        lastLogged.put(bounded, now);
        return true;
    }

    /** How many lines the overall budget left out since the last call; resets the count. */
    public synchronized long takeSuppressed() {
        long count = suppressed;
        suppressed = 0;
        return count;
    }

    /** A suffix for a log line: how many similar lines were left out before it, or nothing. */
    public String suppressedNote() {
        long count = takeSuppressed();
        return count == 0 ? "" : " (" + count + " similar lines left out before this one)";
    }

    private synchronized boolean spendBudget(long now) {
        if (now - budgetPeriodStart >= periodNanos) {
            budgetPeriodStart = now;
            linesInPeriod = 0;
        }
        if (linesInPeriod >= MAX_LINES_PER_PERIOD) {
            suppressed++;
            return false;
        }
        linesInPeriod++;
        return true;
    }

    static String bounded(String key) {
        if (key.length() <= MAX_KEY_LENGTH) {
            return key;
        }
        return key.substring(0, MAX_KEY_LENGTH - 24) + "…" + key.length() + ":" + Integer.toHexString(key.hashCode());
    }

    /**
     * A remote party's text (a client id, a token, a topic) made fit for one log line: control
     * characters replaced, and cut to {@code max} characters with the full length named.
     */
    public static String printable(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 24);
        for (int i = 0; i < text.length() && i < max; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > max) {
            out.append("…(").append(text.length()).append(" chars)");
        }
        return out.toString();
    }
}
