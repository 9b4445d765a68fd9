package io.edgeward.store.sql.internal;

import io.edgeward.core.telemetry.Tier;
import org.jdbi.v3.core.Handle;

/**
 * SQLite's rollups, maintained by the series merger in the transaction that copies a chunk of the
 * log into the series table: a crash leaves both or neither, and the log still holds the chunk.
 *
 * <p>The chunk's own buckets are computed tier by tier (minutes from its points, hours from those
 * minutes, days from those hours) and added to the stored ones: about fifty minute buckets per
 * chunk under load, where recomputing them from the raw points would rescan up to a minute of each
 * series per chunk. Adding cannot correct a bucket for a point that replaced a stored one (a
 * replaced value cannot be taken out of a minimum), so the buckets holding such a point are then
 * recomputed from scratch, which is rare and exact. Late points add like any other.
 */
final class ChunkRollups {

    private static final String POINTS = "temp.chunk_points";
    private static final String DIRTY = "temp.chunk_dirty";

    private final Rollups rollups;

    ChunkRollups(Rollups rollups) {
        this.rollups = rollups;
    }

    private static String staged(Tier tier) {
        return "temp.chunk_" + tier.wireName();
    }

    /** Creates the connection's staging tables where missing and empties them. */
    void clear(Handle h) {
        h.execute("CREATE TEMP TABLE IF NOT EXISTS chunk_points (device_id TEXT NOT NULL, metric TEXT NOT NULL, "
                + "ts INTEGER NOT NULL, num REAL, bool INTEGER, str TEXT, "
                + "PRIMARY KEY (device_id, metric, ts)) WITHOUT ROWID");
        h.execute("CREATE TEMP TABLE IF NOT EXISTS chunk_dirty (device_id TEXT, metric TEXT, bucket INTEGER)");
        h.execute("DELETE FROM " + POINTS);
        h.execute("DELETE FROM " + DIRTY);
        for (Tier tier : Tier.FINEST_FIRST) {
            h.execute("CREATE TEMP TABLE IF NOT EXISTS chunk_" + tier.wireName() + " AS SELECT " + Rollups.COLUMNS
                    + " FROM " + rollups.table(tier) + " WHERE false");
            h.execute("DELETE FROM " + staged(tier));
        }
    }

    /**
     * Before the staged points are merged: computes the chunk's own buckets and notes the minutes
     * where a staged point replaces a stored one. Only a point no newer than its series' latest
     * can, so the lookup runs for the series whose chunk starts that early (late data) alone.
     */
    void stageRollups(Handle h) {
        Tier finer = null;
        for (Tier tier : Tier.FINEST_FIRST) {
            String select = finer == null
                    ? Rollups.aggregatePoints(POINTS + " p", POINTS, tier.millis())
                    : Rollups.aggregate("SELECT " + Rollups.COLUMNS + " FROM " + staged(finer), tier);
            h.execute("INSERT INTO " + staged(tier) + " (" + Rollups.COLUMNS + ") " + select);
            finer = tier;
        }
        String series = rollups.schema();
        h.execute("INSERT INTO " + DIRTY + " SELECT DISTINCT p.device_id, p.metric, (p.ts / " + Tier.MINUTE.millis()
                + ") * " + Tier.MINUTE.millis() + " FROM (SELECT device_id, metric, MIN(fts) AS fts FROM "
                + staged(Tier.DAY) + " GROUP BY device_id, metric) c JOIN " + series + "telemetry_latest x "
                + "ON x.device_id = c.device_id AND x.metric = c.metric AND c.fts <= x.ts "
                + "JOIN " + POINTS + " p ON p.device_id = c.device_id AND p.metric = c.metric AND p.ts <= x.ts "
                + "WHERE EXISTS (SELECT 1 FROM " + series + "telemetry t "
                + "WHERE t.device_id = p.device_id AND t.metric = p.metric AND t.ts = p.ts)");
    }

    /**
     * After the staged points are merged: adds the chunk's buckets to every tier, then recomputes
     * the buckets that hold a replaced point.
     */
    void mergeRollups(Handle h) {
        for (Tier tier : Tier.FINEST_FIRST) {
            h.execute(rollups.combine(tier, staged(tier)));
        }
        if (h.createQuery("SELECT EXISTS (SELECT 1 FROM " + DIRTY + ")")
                .mapTo(Boolean.class)
                .one()) {
            rollups.recompute(h, DIRTY);
        }
    }
}
