package io.edgeward.core.observability;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides whether a log line about a key (typically a device) may be written now: at most once
 * per key per period. Bad input from one device must not flood the log, and a device that sends
 * garbage forever still gets one line a minute so the operator notices.
 */
public final class RateLimitedLog {

    private static final int MAX_KEYS = 100_000;

    private final long periodNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();

    public RateLimitedLog(Duration period, LongSupplier nanoTime) {
        this.periodNanos = period.toNanos();
        this.nanoTime = nanoTime;
    }

    public static RateLimitedLog perMinute() {
        return new RateLimitedLog(Duration.ofMinutes(1), System::nanoTime);
    }

    /** True at most once per period for the same key. */
    public boolean allow(String key) {
        long now = nanoTime.getAsLong();
        if (lastLogged.size() > MAX_KEYS) {
            // A flood of distinct keys (e.g. random client ids) must not grow this map forever.
            lastLogged.clear();
        }
        boolean[] allowed = {false};
        lastLogged.compute(key, (k, previous) -> {
            if (previous == null || now - previous >= periodNanos) {
                allowed[0] = true;
                return now;
            }
            return previous;
        });
        return allowed[0];
    }
}
