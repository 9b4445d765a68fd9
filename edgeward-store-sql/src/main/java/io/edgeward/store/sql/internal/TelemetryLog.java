package io.edgeward.store.sql.internal;

import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.telemetry.Point;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * and advances the watermark in one transaction of the series file, then deletes that range from
 * the log; a crash in between leaves copied rows below the watermark, which the next merge
 * deletes without copying them again. Readers query the series and latest-value tables only and
 * call {@link #mergeAll()} first, so everything committed before a query began is in its answer.
 */
public final class TelemetryLog implements AutoCloseable {

    /** The name the series database is attached under on every connection. */
    public static final String SCHEMA = "series";
    /** The series file's tables, created on every connection that attaches it (idempotent). */
    public static final List<String> SERIES_DDL = List.of(
        "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".telemetry (device_id TEXT NOT NULL, metric TEXT NOT NULL, ts INTEGER NOT NULL, "
                + "num REAL, bool INTEGER, str TEXT, unit TEXT, PRIMARY KEY (device_id, metric, ts)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".telemetry_latest (device_id TEXT NOT NULL, metric TEXT NOT NULL, ts INTEGER NOT NULL, "
                + "num REAL, bool INTEGER, str TEXT, unit TEXT, PRIMARY KEY (device_id, metric)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".telemetry_merge (id INTEGER PRIMARY KEY CHECK (id = 1), merged_seq INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO " + SCHEMA + ".telemetry_merge (id, merged_seq) VALUES (1, 0)");

    static final String APPEND = "INSERT INTO telemetry_log (device_id, metric, ts, num, bool, str, unit) VALUES (?, ?, ?, ?, ?, ?, ?)";
    // Sorted so that each series' points land together; a key seen twice keeps the later write,
    // as a direct upsert would.
    private static final String MERGE = "INSERT INTO " + SCHEMA + ".telemetry (device_id, metric, ts, num, bool, str, unit) "
            + "SELECT device_id, metric, ts, num, bool, str, unit FROM main.telemetry_log WHERE seq > :from AND seq <= :to "
            + "ORDER BY device_id, metric, ts, seq "
            + "ON CONFLICT (device_id, metric, ts) DO UPDATE SET num = excluded.num, bool = excluded.bool, str = excluded.str, "
            + "unit = excluded.unit";
    // The newest point of each series in the chunk, read back from the series table, where the
    // later of two writes of one key has already won. Older points never replace a newer latest.
    private static final String MERGE_LATEST = "INSERT INTO " + SCHEMA + ".telemetry_latest (device_id, metric, ts, num, bool, str, unit) "
            + "SELECT t.device_id, t.metric, t.ts, t.num, t.bool, t.str, t.unit FROM (SELECT device_id, metric, MAX(ts) AS ts "
            + "FROM main.telemetry_log WHERE seq > :from AND seq <= :to GROUP BY device_id, metric) n "
            + "JOIN " + SCHEMA + ".telemetry t ON t.device_id = n.device_id AND t.metric = n.metric AND t.ts = n.ts WHERE true "
            + "ON CONFLICT (device_id, metric) DO UPDATE SET ts = excluded.ts, num = excluded.num, bool = excluded.bool, "
            + "str = excluded.str, unit = excluded.unit WHERE excluded.ts >= telemetry_latest.ts";
    /** Rows per merge transaction: large enough to share pages, small enough to sort in memory. */
    private static final long CHUNK = 20_000;
    private static final long PERIOD_MS = 200;
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryLog.class);

    private final Jdbi jdbi;
    private final Writes writes;
    /** One merger at a time; device deletion holds it too, so that no merge brings rows back. */
    private final ReentrantLock merging = new ReentrantLock();
    private final ScheduledExecutorService merger;
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    /** The series file's watermark as this process last read or wrote it; -1 until read (guarded by merging). */
    private long merged = -1;
    /** Log rows up to here are deleted; 0 at start, so leftovers of a crash are trimmed on the first merge. */
    private long trimmed;

    public TelemetryLog(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.merger = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("edgeward-series-merge").daemon().factory());
        merger.scheduleWithFixedDelay(this::mergeInBackground, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** Appends points in the caller's (group commit) transaction. */
    void append(Connection connection, Iterable<Point> points) throws SQLException {
        SqlTelemetryStore.writePoints(connection, APPEND, points);
    }

    /** Merges every log row committed so far into the series table. */
    public void mergeAll() {
        merging.lock();
        try {
            long target = jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM telemetry_log").mapTo(Long.class).one());
            if (merged < 0) {
                merged = jdbi.withHandle(h -> h.createQuery("SELECT merged_seq FROM " + SCHEMA + ".telemetry_merge").mapTo(Long.class).one());
            }
            while (merged < target) {
                long from = merged;
                long to = Math.min(target, merged + CHUNK);
                jdbi.useTransaction(h -> {
                    h.createUpdate(MERGE).bind("from", from).bind("to", to).execute();
                    h.createUpdate(MERGE_LATEST).bind("from", from).bind("to", to).execute();
                    h.createUpdate("UPDATE " + SCHEMA + ".telemetry_merge SET merged_seq = :to").bind("to", to).execute();
                });
                merged = to;
            }
            if (trimmed < merged) {
                // The main file's writer lock is the group commit's: taken only when there is something to trim.
                long upTo = merged;
                writes.useTransaction(h -> h.createUpdate("DELETE FROM telemetry_log WHERE seq <= :to").bind("to", upTo).execute());
                trimmed = upTo;
            }
        } finally {
            merging.unlock();
        }
    }

    /** Runs {@code work} with no merge in progress (device deletion: a merge must not copy back what it deletes). */
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
                LOG.warn("Merging the telemetry log into the series table failed; will retry (not logged again for a minute): {}",
                        e.getMessage());
            }
        }
    }

    /** Stops the background merger after a last merge; the store closes its pool afterwards. */
    @Override
    public void close() {
        merger.shutdown();
        try {
            merger.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        mergeInBackground();
    }
}
