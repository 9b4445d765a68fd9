package io.edgeward.core.retention;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.telemetry.SeriesKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what has outlived its retention, in the background: per series and per level (raw
 * points, then each rollup tier), by the default periods or the first override that names the
 * level, in batches of {@link #BATCH} rows, each its own short transaction, so that a large expiry
 * never holds the writer for long and ingest goes on between batches.
 *
 * <p>With a disk budget ({@code store.max-disk}), a pass that finds the store over it gives up the
 * oldest data first: raw points a step at a time from the oldest, then the minute tier, then the
 * hour tier (the day tier, a few hundred rows a series, stays), warning in the log and counting
 * what went. The node stays ready: a budget is a decision, not a fault.
 */
public final class Retention implements Lifecycle {

    /** Rows one transaction deletes. */
    static final int BATCH = 2_000;

    private static final Duration MAX_REST = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final Map<Level, Duration> EVICTION_STEP =
            Map.of(Level.RAW, Duration.ofHours(1), Level.MINUTE, Duration.ofDays(1), Level.HOUR, Duration.ofDays(7));

    private final TelemetryRetention store;
    private final DeviceRepository devices;
    private final RetentionSettings settings;
    private final RawPeriodOverride rawOverride;
    private final Clock clock;
    private final Threads threads;
    private final Map<Level, Counter> expired = new EnumMap<>(Level.class);
    private final Map<Level, Counter> evicted = new EnumMap<>(Level.class);
    private final RateLimitedLog budgetLog = RateLimitedLog.perMinute();
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    private ScheduledExecutorService passes;
    private volatile boolean stopping;
    private volatile Instant lastPass;
    private volatile long usedBytes = -1;

    public Retention(
            TelemetryRetention store,
            DeviceRepository devices,
            RetentionSettings settings,
            RawPeriodOverride rawOverride,
            Clock clock,
            MeterRegistry meters,
            Threads threads) {
        this.store = store;
        this.devices = devices;
        this.settings = settings;
        this.rawOverride = rawOverride;
        this.clock = clock;
        this.threads = threads;
        for (Level level : Level.values()) {
            expired.put(
                    level,
                    Counter.builder("edgeward.store.expired.points")
                            .description("Rows deleted past their retention: raw points, or buckets of a tier")
                            .tag("tier", level.wireName())
                            .register(meters));
            evicted.put(
                    level,
                    Counter.builder("edgeward.store.evicted.points")
                            .description("Rows given up to keep the store within store.max-disk")
                            .tag("tier", level.wireName())
                            .register(meters));
        }
        // From the last pass: a scrape never queries the database.
        Gauge.builder("edgeward.store.used.bytes", this, retention -> retention.usedBytes)
                .description(
                        "Bytes of live data in the store as of the last retention pass (-1: the store cannot tell)")
                .baseUnit("bytes")
                .register(meters);
    }

    @Override
    public synchronized void start() {
        if (passes != null) {
            return;
        }
        if (settings.maxDisk() > 0 && store.usedBytes() < 0) {
            throw new IllegalStateException("store.max-disk needs a store that measures its own size (the embedded"
                    + " SQLite store); on PostgreSQL, bound the database with its own means and leave store.max-disk"
                    + " empty");
        }
        passes = Executors.newSingleThreadScheduledExecutor(threads.platform("retention"));
        long period = settings.interval().toMillis();
        passes.scheduleWithFixedDelay(this::passInBackground, Math.min(period, 10_000), period, TimeUnit.MILLISECONDS);
    }

    /** What one pass deleted, by level. */
    public record Pass(Map<Level, Long> expired, Map<Level, Long> evicted) {}

    /**
     * What retention is set to and has done: the settings, the store's live bytes (-1: unknown),
     * the oldest time each level holds (absent: nothing), rows deleted by level since start, and
     * when the last pass ended (null: none yet).
     */
    public record Status(
            RetentionSettings settings,
            long usedBytes,
            Map<Level, Long> oldest,
            Map<Level, Long> expired,
            Map<Level, Long> evicted,
            Instant lastPass) {}

    /** The current {@link Status}; it asks the store for each level's oldest time (a seek per series). */
    public Status status() {
        Map<Level, Long> oldest = new EnumMap<>(Level.class);
        Map<Level, Long> expiredTotals = new EnumMap<>(Level.class);
        Map<Level, Long> evictedTotals = new EnumMap<>(Level.class);
        for (Level level : Level.values()) {
            store.oldest(level).ifPresent(t -> oldest.put(level, t));
            expiredTotals.put(level, (long) expired.get(level).count());
            evictedTotals.put(level, (long) evicted.get(level).count());
        }
        return new Status(settings, store.usedBytes(), oldest, expiredTotals, evictedTotals, lastPass);
    }

    /** One pass over every series, then the disk budget; what the background runs every {@code retention.interval}. */
    public Pass runOnce() {
        Map<Level, Long> expiredNow = new EnumMap<>(Level.class);
        Map<Level, Long> evictedNow = new EnumMap<>(Level.class);
        long now = clock.millis();
        Map<DeviceId, Optional<Device>> owners = new HashMap<>();
        for (SeriesKey series : store.series()) {
            Optional<Device> owner = owners.computeIfAbsent(series.device(), devices::find);
            RetentionPolicy policy = policyFor(owner.orElse(null), series.metric());
            for (Level level : Level.FINEST_FIRST) {
                long cutoff = policy.cutoff(level, now);
                if (cutoff != Long.MIN_VALUE) {
                    long n = deleteBefore(series, level, cutoff, expired.get(level));
                    expiredNow.merge(level, n, Long::sum);
                }
            }
        }
        if (settings.maxDisk() > 0) {
            evictOverBudget(evictedNow);
        }
        usedBytes = store.usedBytes();
        lastPass = clock.instant();
        return new Pass(expiredNow, evictedNow);
    }

    private RetentionPolicy policyFor(Device owner, String metric) {
        RetentionPolicy policy = settings.policyFor(owner, metric);
        if (owner == null) {
            return policy;
        }
        return rawOverride
                .rawPeriod(owner, metric)
                .filter(period -> period.compareTo(policy.of(Level.RAW)) < 0)
                .map(period -> policy.with(Map.of(Level.RAW, period)))
                .orElse(policy);
    }

    private void evictOverBudget(Map<Level, Long> evictedNow) {
        long used = store.usedBytes();
        for (Level level : List.of(Level.RAW, Level.MINUTE, Level.HOUR)) {
            while (used > settings.maxDisk() && !stopping) {
                OptionalLong oldest = store.oldest(level);
                if (oldest.isEmpty()) {
                    break;
                }
                if (budgetLog.allow("budget")) {
                    LOG.warn(
                            "The store uses {} bytes, over store.max-disk ({}): giving up the oldest {} data (not logged"
                                    + " again for a minute)",
                            used,
                            settings.maxDisk(),
                            level.wireName());
                }
                long cutoff = oldest.getAsLong() + EVICTION_STEP.get(level).toMillis();
                for (SeriesKey series : store.series()) {
                    evictedNow.merge(level, deleteBefore(series, level, cutoff, evicted.get(level)), Long::sum);
                }
                used = store.usedBytes();
            }
        }
    }

    /**
     * Deletes a series' rows at {@code level} before {@code cutoff}, batch after batch. After each
     * full batch it rests as long as the batch took: at most half of one core and of the store's
     * writer go to a large expiry, and ingest keeps the rest (a backlog of millions then takes a
     * minute or two, which nobody waits for).
     */
    private long deleteBefore(SeriesKey series, Level level, long cutoff, Counter counter) {
        long total = 0;
        int deleted;
        do {
            long started = System.nanoTime();
            deleted = store.expire(series.device(), series.metric(), level, cutoff, BATCH);
            counter.increment(deleted);
            total += deleted;
            if (deleted == BATCH && !stopping) {
                rest(Duration.ofNanos(System.nanoTime() - started));
            }
        } while (deleted == BATCH && !stopping);
        return total;
    }

    private static void rest(Duration duration) {
        try {
            Thread.sleep(duration.compareTo(MAX_REST) > 0 ? MAX_REST : duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void passInBackground() {
        try {
            Pass pass = runOnce();
            long expiredRows =
                    pass.expired().values().stream().mapToLong(Long::longValue).sum();
            if (expiredRows > 0) {
                LOG.debug("Retention pass deleted {} rows: {}", expiredRows, pass.expired());
            }
        } catch (RuntimeException e) {
            if (failureLog.allow("pass")) {
                LOG.warn(
                        "A retention pass failed; the next one retries (not logged again for a minute): {}",
                        e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        stopping = true;
        if (passes != null) {
            passes.shutdown();
            try {
                passes.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
