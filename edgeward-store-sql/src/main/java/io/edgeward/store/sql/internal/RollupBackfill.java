package io.edgeward.store.sql.internal;

import io.edgeward.core.telemetry.Tier;
import java.sql.Statement;
import org.flywaydb.core.api.migration.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A migration that fills the rollup tiers, just created, from the points stored before them, with
 * the same aggregation that maintains them. A Java migration because that aggregation is built
 * here ({@link Rollups}), not written out a second time in SQL.
 */
public final class RollupBackfill extends CodeMigration {

    private static final Logger LOG = LoggerFactory.getLogger(RollupBackfill.class);

    /** The migration of {@code version} in its database's history (right after the tables' creation). */
    public RollupBackfill(String version) {
        super(version, "rollup backfill");
    }

    @Override
    public void migrate(Context context) throws Exception {
        try (Statement statement = context.getConnection().createStatement()) {
            String finer = null;
            for (Tier tier : Tier.FINEST_FIRST) {
                String table = Rollups.table(tier.wireName());
                String select = finer == null
                        ? Rollups.aggregatePoints("telemetry p", "telemetry", tier.millis())
                        : Rollups.aggregate("SELECT " + Rollups.COLUMNS + " FROM " + finer, tier);
                LOG.info(
                        "Rollup tier {}: computing it from the stored points (once, when upgrading; minutes on a large store)",
                        tier.wireName());
                int rows = statement.executeUpdate("INSERT INTO " + table + " (" + Rollups.COLUMNS + ") " + select);
                LOG.info("Rollup tier {}: {} buckets computed from the stored points", tier.wireName(), rows);
                finer = table;
            }
        }
    }
}
