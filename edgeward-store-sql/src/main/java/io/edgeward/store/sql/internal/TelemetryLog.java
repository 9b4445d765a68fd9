package io.edgeward.store.sql.internal;

import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.telemetry.Point;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's telemetry write path: group commits append to a log in the main database, and a merger
 * moves the log into the series table, which lives in a database file of its own.
 *
 * <p>Why: the series table is clustered by (device, metric, time) so that reading one series
 * reads neighbouring pages. A group commit of points from many series written straight into it
 * dirties one page per series: with 200 series, a commit of 150 points wrote about 840 KiB to
 * the WAL, some 40 µs per point, and the single writer became the ceiling of the whole ingest
 * path. Appended to the log, in arrival order, the same commit writes a few pages (about 3 µs per
 * point). The merger then moves thousands of points at a time, sorted, into the series table,
 * where they share pages, and updates the latest-value table once per series per chunk instead of
 * once per point; a group commit therefore only appends. SQLite has one writer per database
 * file, so with the series table in a file of its own the merge never holds up a group commit.
 *
 * <p>A point is durable once its log row is committed. The merger copies a range of log rows
 * and advances the watermark in one transaction of the series file; rows below the watermark are
 * then deleted from the log, and a crash before that only leaves copied rows there, which are
 * deleted without being copied again. While telemetry flows, each group commit deletes a few
 * hundred of them in its own transaction and fsync. (A DELETE of each merge's rows in a
 * transaction of the merger's, five times a second, took the writer lock, and every
 * acknowledgement waiting for the next commit waited for its SQL and fsync too.) When telemetry
 * has been quiet for a second, the merger deletes what is left. Readers query the series and
 * latest-value tables only and call {@link #mergeAll()} first, so everything committed before a
 * query began is in its answer.
 */
public final class TelemetryLog implements AutoCloseable {

    /** The name the series database is attached under on every connection (its schema: {@code db/series/sqlite}). */
    public static final String SCHEMA = "series";

    static final String APPEND =
            "INSERT INTO telemetry_log (device_id, metric, ts, num, bool, str, unit) VALUES (?, ?, ?, ?, ?, ?, ?)";
    // A chunk of the log, staged: one row per key (a key written twice keeps the later write, as a
    // direct upsert would), in key order, so that each series' points land together.
    private static final String STAGE = "INSERT INTO temp.chunk_points (device_id, metric, ts, num, bool, str) "
            + "SELECT device_id, metric, ts, num, bool, str FROM main.telemetry_log WHERE seq > :from AND seq <= :to "
            + "ORDER BY seq ON CONFLICT (device_id, metric, ts) DO UPDATE SET num = excluded.num, bool = excluded.bool, "
            + "str = excluded.str";
    // Points are keyed by an integer series id (see db/series/sqlite V4): the chunk's new series
    // first, then its points, each with its series' id and its value encoded (PointValues).
    private static final String MERGE_SERIES = "INSERT INTO " + SCHEMA + ".series (device_id, metric) "
            + "SELECT DISTINCT device_id, metric FROM temp.chunk_points WHERE true ON CONFLICT (device_id, metric) DO NOTHING";
    private static final String MERGE = "INSERT INTO " + SCHEMA + ".points (series, ts, v) "
            + "SELECT s.id, c.ts, " + PointValues.encode("c.num", "c.bool", "c.str") + " FROM temp.chunk_points c JOIN "
            + SCHEMA + ".series s "
            + "ON s.device_id = c.device_id AND s.metric = c.metric WHERE true "
            + "ON CONFLICT (series, ts) DO UPDATE SET v = excluded.v";
    // The newest point of each series in the chunk, read back from the series table, where the
    // later of two writes of one key has already won. Older points never replace a newer latest.
    // The unit is a property of the series, kept here only (not with every point): the unit of the
    // chunk's newest row of the series that has one (SQLite takes a bare column from the row that
    // holds the MAX); a chunk without one leaves the series' unit as it was.
    private static final String MERGE_LATEST = "INSERT INTO " + SCHEMA
            + ".telemetry_latest (device_id, metric, ts, num, bool, str, unit) "
            + "SELECT t.device_id, t.metric, t.ts, t.num, t.bool, t.str, u.unit FROM (SELECT device_id, metric, MAX(ts) AS ts "
            + "FROM main.telemetry_log WHERE seq > :from AND seq <= :to GROUP BY device_id, metric) n "
            + "JOIN " + SCHEMA + ".telemetry t ON t.device_id = n.device_id AND t.metric = n.metric AND t.ts = n.ts "
            + "LEFT JOIN (SELECT device_id, metric, MAX(ts) AS ts, unit FROM main.telemetry_log WHERE seq > :from AND seq <= :to "
            + "AND unit IS NOT NULL GROUP BY device_id, metric) u ON u.device_id = n.device_id AND u.metric = n.metric WHERE true "
            + "ON CONFLICT (device_id, metric) DO UPDATE SET ts = excluded.ts, num = excluded.num, bool = excluded.bool, "
            + "str = excluded.str, unit = COALESCE(excluded.unit, telemetry_latest.unit) WHERE excluded.ts >= telemetry_latest.ts";
    // Copied rows are deleted oldest first, a bounded number at a time: the log's head is a few pages.
    private static final String TRIM = "DELETE FROM telemetry_log WHERE seq IN "
            + "(SELECT seq FROM telemetry_log WHERE seq <= ? ORDER BY seq LIMIT ?)";
    /** Copied rows each group commit deletes, at least; twice its own rows, so that the log shrinks under any load. */
    private static final int TRIM_ROWS = 256;

    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Rows per merge transaction: large enough to share pages, small enough to sort in memory. */
    private static final long CHUNK = 20_000;

    private static final long PERIOD_MS = 200;
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryLog.class);

    private final Jdbi jdbi;
    private final Writes writes;
    /** One merger at a time; device deletion holds it too, so that no merge brings rows back. */
    private final ReentrantLock merging = new ReentrantLock();
    /** Set by {@link #start}; until then readers merge on demand ({@link #mergeAll()}). */
    private ScheduledExecutorService merger;

    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    /** The series file's watermark as this process last read or wrote it; -1 until read (written under merging). */
    private volatile long merged = -1;
    /**
     * Log rows up to here are known to be deleted (written under the writer lock; read without it
     * only to skip taking it). Starts at 0, so leftovers of a crash are deleted by the first
     * commits; a rolled-back trim only leaves rows for a later one.
     */
    private volatile long trimmed;

    private volatile long lastAppendNanos = System.nanoTime() - QUIET_NANOS;

    private final ChunkRollups staging = new ChunkRollups(new Rollups(SCHEMA + "."));

    public TelemetryLog(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    /** Starts the background merger on a thread of {@code threads}. */
    public synchronized void start(ThreadFactory threads) {
        if (merger == null) {
            merger = Executors.newSingleThreadScheduledExecutor(threads);
            merger.scheduleWithFixedDelay(this::mergeInBackground, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Appends points in the caller's (group commit) transaction, which holds the writer lock, and
     * deletes a bounded number of rows the merger has copied.
     */
    void append(Connection connection, List<Point> points) throws SQLException {
        lastAppendNanos = System.nanoTime();
        SqlTelemetryStore.writePoints(connection, APPEND, points, true);
        long upTo = merged;
        if (upTo <= trimmed) {
            return;
        }
        try (PreparedStatement trim = connection.prepareStatement(TRIM)) {
            int rows = Math.max(TRIM_ROWS, 2 * points.size());
            trim.setLong(1, upTo);
            trim.setInt(2, rows);
            if (trim.executeUpdate() < rows) {
                trimmed = upTo; // everything copied so far is gone, once this transaction commits
            }
        }
    }

    /** Merges every log row committed so far into the series table. */
    public void mergeAll() {
        merging.lock();
        try {
            long target = jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM telemetry_log")
                    .mapTo(Long.class)
                    .one());
            if (merged < 0) {
                merged = jdbi.withHandle(h -> h.createQuery("SELECT merged_seq FROM " + SCHEMA + ".telemetry_merge")
                        .mapTo(Long.class)
                        .one());
            }
            while (merged < target) {
                long from = merged;
                long to = Math.min(target, merged + CHUNK);
                jdbi.useTransaction(h -> {
                    staging.clear(h);
                    h.createUpdate(STAGE).bind("from", from).bind("to", to).execute();
                    staging.stageRollups(h);
                    h.createUpdate(MERGE_SERIES).execute();
                    h.createUpdate(MERGE).execute();
                    staging.mergeRollups(h);
                    h.createUpdate(MERGE_LATEST)
                            .bind("from", from)
                            .bind("to", to)
                            .execute();
                    h.createUpdate("UPDATE " + SCHEMA + ".telemetry_merge SET merged_seq = :to")
                            .bind("to", to)
                            .execute();
                });
                merged = to;
            }
            // An idle gateway must not take the writer lock five times a second for nothing.
            if (trimmed < merged && System.nanoTime() - lastAppendNanos >= QUIET_NANOS) {
                trimWhileQuiet();
            }
        } finally {
            merging.unlock();
        }
    }

    /** Deletes every copied row under the writer lock; only when no group commit is doing it. */
    private void trimWhileQuiet() {
        long upTo = merged;
        writes.useTransaction(h -> {
            if (trimmed < upTo) {
                h.createUpdate("DELETE FROM telemetry_log WHERE seq <= :to")
                        .bind("to", upTo)
                        .execute();
                trimmed = upTo;
            }
        });
    }

    /**
     * Runs {@code work} with no merge in progress: device deletion (a merge must not copy back what
     * it deletes) and retention (a merge's snapshot of the series file must not go stale under it).
     */
    public <T> T withMergesPaused(Supplier<T> work) {
        merging.lock();
        try {
            return work.get();
        } finally {
            merging.unlock();
        }
    }

    private void mergeInBackground() {
        try {
            mergeAll();
        } catch (RuntimeException e) {
            // The log keeps the points; the next round (or the next query) tries again.
            if (failureLog.allow("merge")) {
                LOG.warn(
                        "Merging the telemetry log into the series table failed; will retry (not logged again for a minute): {}",
                        e.getMessage());
            }
        }
    }

    /** Stops the background merger after a last merge; the store closes its pool afterwards. */
    @Override
    public synchronized void close() {
        if (merger != null) {
            merger.shutdown();
            try {
                merger.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lastAppendNanos = System.nanoTime() - QUIET_NANOS; // no commit follows: the last merge trims all it copied
        mergeInBackground();
    }
}
