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
                + "ts INTEGER NOT NULL, num REAL, bool INTEGER, str TEXT, replaced INTEGER NOT NULL, "
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

    /** Adds the staged chunk ({@code temp.chunk_points}, already merged into the series table) to every tier. */
    void mergeRollups(Handle h) {
        String source = Rollups.pointsAsBuckets(POINTS);
        for (Tier tier : Tier.FINEST_FIRST) {
            h.execute("INSERT INTO " + staged(tier) + " (" + Rollups.COLUMNS + ") " + Rollups.aggregate(source, tier));
            source = "SELECT " + Rollups.COLUMNS + " FROM " + staged(tier);
        }
        for (Tier tier : Tier.FINEST_FIRST) {
            h.execute(rollups.combine(tier, staged(tier)));
        }
        int dirty = h.execute("INSERT INTO " + DIRTY + " SELECT DISTINCT device_id, metric, (ts / "
                + Tier.MINUTE.millis() + ") * " + Tier.MINUTE.millis() + " FROM " + POINTS + " WHERE replaced");
        if (dirty > 0) {
            rollups.recompute(h, DIRTY);
        }
    }
}
