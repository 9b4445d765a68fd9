package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.Tier;
import io.edgeward.core.telemetry.TimeRange;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The rollup tiers in SQL: one table per tier ({@code rollup_1m}, {@code rollup_1h},
 * {@code rollup_1d}), a row per (device, metric, bucket) with the bucket's count, its numeric
 * count, sum, minimum, maximum and sum of squares, its count of true booleans, and its first and
 * last point with their times: everything {@link Bucket} derives its aggregations from.
 *
 * <p>Every statement here works on SQLite and PostgreSQL. Minutes (and any bucket of raw points)
 * are aggregated from the points ({@link #aggregatePoints}), and each coarser tier from the next
 * finer one ({@link #aggregate}), so that an hour is exactly the combination of its minutes. How the tables are kept current differs: see
 * {@link TelemetryLog} (SQLite) and {@link RollupMaintainer} (PostgreSQL).
 */
final class Rollups {

    static final String COLUMNS =
            "device_id, metric, bucket, n, nn, s, mn, mx, sq, nt, " + "fts, fnum, fbool, fstr, lts, lnum, lbool, lstr";

    /** Where the tables are: {@code "series."} on SQLite (the attached series file), {@code ""} on PostgreSQL. */
    private final String schema;

    Rollups(String schema) {
        this.schema = schema;
    }

    /** The schema prefix of the tables ({@code "series."} or {@code ""}). */
    String schema() {
        return schema;
    }

    String table(Tier tier) {
        return schema + table(tier.wireName());
    }

    static String table(String tier) {
        return "rollup_" + tier;
    }

    /**
     * Raw points in buckets of {@code width} milliseconds, aligned to the epoch. {@code from} is a
     * FROM clause (with any WHERE) whose points, of {@code table} (keyed by device_id, metric, ts),
     * are named {@code p}. One GROUP BY, then the first and last point of each bucket looked up by
     * key: cheaper than window functions over every point, which sort them all twice.
     */
    static String aggregatePoints(String from, String table, long width) {
        return "SELECT a.device_id, a.metric, a.bucket, a.n, a.nn, a.s, a.mn, a.mx, a.sq, a.nt, "
                + "a.fts, f.num AS fnum, f.bool AS fbool, f.str AS fstr, a.lts, l.num AS lnum, l.bool AS lbool, l.str AS lstr "
                + "FROM (SELECT p.device_id, p.metric, (p.ts / " + width + ") * " + width
                + " AS bucket, COUNT(*) AS n, "
                + "COUNT(p.num) AS nn, SUM(p.num) AS s, MIN(p.num) AS mn, MAX(p.num) AS mx, SUM(p.num * p.num) AS sq, "
                + "SUM(CASE WHEN p.bool THEN 1 ELSE 0 END) AS nt, MIN(p.ts) AS fts, MAX(p.ts) AS lts FROM " + from
                + " GROUP BY 1, 2, 3) a "
                + "JOIN " + table + " f ON f.device_id = a.device_id AND f.metric = a.metric AND f.ts = a.fts "
                + "JOIN " + table + " l ON l.device_id = a.device_id AND l.metric = a.metric AND l.ts = a.lts "
                // SQLite reads "ON CONFLICT" after a join's ON as part of it unless a WHERE comes between.
                + "WHERE true";
    }

    /**
     * Rows of {@code source} (rollup-shaped: a few per bucket) combined into buckets of
     * {@code tier}: counts and sums add, extremes combine, and the first and last point come from
     * the rows with the earliest first and the latest last time. Window functions, because first
     * and last are values of particular rows, which only SQLite's GROUP BY could return.
     */
    static String aggregate(String source, Tier tier) {
        return aggregate(source, tier.millis());
    }

    /** {@link #aggregate(String, Tier)} into buckets of {@code width} milliseconds, aligned to the epoch. */
    static String aggregate(String source, long width) {
        return "SELECT " + COLUMNS + " FROM (SELECT device_id, metric, b AS bucket, "
                + "SUM(n) OVER w AS n, SUM(nn) OVER w AS nn, SUM(s) OVER w AS s, MIN(mn) OVER w AS mn, "
                + "MAX(mx) OVER w AS mx, SUM(sq) OVER w AS sq, SUM(nt) OVER w AS nt, fts, fnum, fbool, fstr, "
                + "MAX(lts) OVER w AS lts, FIRST_VALUE(lnum) OVER l AS lnum, FIRST_VALUE(lbool) OVER l AS lbool, "
                + "FIRST_VALUE(lstr) OVER l AS lstr, ROW_NUMBER() OVER f AS r "
                + "FROM (SELECT x.*, (x.bucket / " + width + ") * " + width + " AS b FROM (" + source + ") x) y "
                + "WINDOW w AS (PARTITION BY device_id, metric, b), "
                + "f AS (PARTITION BY device_id, metric, b ORDER BY fts), "
                + "l AS (PARTITION BY device_id, metric, b ORDER BY lts DESC)) z WHERE r = 1";
    }

    /** Inserts {@code select}'s rows into {@code table}, replacing the rows of the same buckets. */
    static String replace(String table, String select) {
        return "INSERT INTO " + table + " (" + COLUMNS + ") " + select + " "
                + "ON CONFLICT (device_id, metric, bucket) DO UPDATE SET n = excluded.n, nn = excluded.nn, "
                + "s = excluded.s, mn = excluded.mn, mx = excluded.mx, sq = excluded.sq, nt = excluded.nt, "
                + "fts = excluded.fts, fnum = excluded.fnum, fbool = excluded.fbool, fstr = excluded.fstr, "
                + "lts = excluded.lts, lnum = excluded.lnum, lbool = excluded.lbool, lstr = excluded.lstr";
    }

    /**
     * Adds the rows of {@code staged} (buckets of the same tier over points no stored bucket holds
     * yet) to {@code tier}'s table: counts and sums add, extremes combine, first and last go by
     * time. SQLite's merger uses it; in its upsert, bare column names are the stored row's.
     */
    String combine(Tier tier, String staged) {
        return "INSERT INTO " + table(tier) + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + staged
                + " WHERE true "
                + "ON CONFLICT (device_id, metric, bucket) DO UPDATE SET n = n + excluded.n, nn = nn + excluded.nn, "
                + "s = CASE WHEN excluded.nn = 0 THEN s WHEN nn = 0 THEN excluded.s ELSE s + excluded.s END, "
                + "mn = CASE WHEN excluded.nn = 0 THEN mn WHEN nn = 0 OR excluded.mn < mn THEN excluded.mn ELSE mn END, "
                + "mx = CASE WHEN excluded.nn = 0 THEN mx WHEN nn = 0 OR excluded.mx > mx THEN excluded.mx ELSE mx END, "
                + "sq = CASE WHEN excluded.nn = 0 THEN sq WHEN nn = 0 THEN excluded.sq ELSE sq + excluded.sq END, "
                + "nt = nt + excluded.nt, "
                + "fnum = CASE WHEN excluded.fts < fts THEN excluded.fnum ELSE fnum END, "
                + "fbool = CASE WHEN excluded.fts < fts THEN excluded.fbool ELSE fbool END, "
                + "fstr = CASE WHEN excluded.fts < fts THEN excluded.fstr ELSE fstr END, "
                + "fts = CASE WHEN excluded.fts < fts THEN excluded.fts ELSE fts END, "
                + "lnum = CASE WHEN excluded.lts > lts THEN excluded.lnum ELSE lnum END, "
                + "lbool = CASE WHEN excluded.lts > lts THEN excluded.lbool ELSE lbool END, "
                + "lstr = CASE WHEN excluded.lts > lts THEN excluded.lstr ELSE lstr END, "
                + "lts = CASE WHEN excluded.lts > lts THEN excluded.lts ELSE lts END";
    }

    /**
     * Recomputes, from scratch, every bucket of every tier that holds one of {@code dirtyMinutes}
     * (a relation of device_id, metric and bucket, a minute's start): the minutes from the raw
     * points, then their hours from the minutes, then their days from the hours.
     */
    void recompute(Handle handle, String dirtyMinutes) {
        Tier finer = null;
        for (Tier tier : Tier.FINEST_FIRST) {
            long width = tier.millis();
            String dirty = "(SELECT DISTINCT device_id, metric, (bucket / " + width + ") * " + width
                    + " AS bucket FROM " + dirtyMinutes + ") d";
            String inside = " ON p.device_id = d.device_id AND p.metric = d.metric AND p.%1$s >= d.bucket "
                    + "AND p.%1$s < d.bucket + " + width;
            String select = finer == null
                    ? aggregatePoints(
                            dirty + " JOIN " + schema + "telemetry p" + inside.formatted("ts"),
                            schema + "telemetry",
                            width)
                    : aggregate(
                            "SELECT p.* FROM " + dirty + " JOIN " + table(finer) + " p" + inside.formatted("bucket"),
                            tier);
            handle.createUpdate(replace(table(tier), select)).execute();
            finer = tier;
        }
    }

    /** Stored buckets of one tier of one series, oldest first. */
    List<Bucket> read(Handle handle, DeviceId device, String metric, Tier tier, TimeRange range) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM " + table(tier)
                        + " WHERE device_id = :d AND metric = :m AND bucket >= :from AND bucket < :to ORDER BY bucket")
                .bind("d", device.value())
                .bind("m", metric)
                .bind("from", range.from())
                .bind("to", range.to())
                .map((rs, ctx) -> bucket(rs))
                .list();
    }

    void deleteDevice(Handle handle, DeviceId device) {
        for (Tier tier : Tier.FINEST_FIRST) {
            handle.createUpdate("DELETE FROM " + table(tier) + " WHERE device_id = :id")
                    .bind("id", device.value())
                    .execute();
        }
    }

    static Bucket bucket(ResultSet rs) throws SQLException {
        return new Bucket(
                rs.getLong("bucket"),
                rs.getLong("n"),
                rs.getLong("nn"),
                rs.getDouble("s"),
                rs.getDouble("mn"),
                rs.getDouble("mx"),
                rs.getDouble("sq"),
                rs.getLong("nt"),
                SqlTelemetryStore.value(rs, "f"),
                rs.getLong("fts"),
                SqlTelemetryStore.value(rs, "l"),
                rs.getLong("lts"));
    }
}
