package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.retention.Level;
import io.edgeward.core.retention.Retention;
import io.edgeward.core.retention.RetentionPolicy;
import io.edgeward.core.telemetry.Tier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteRetentionTest extends RetentionContract {

    @TempDir
    Path dir;

    @Override
    SqlStore openStore() {
        return Stores.started(StoreSettings.embedded(dir));
    }

    @Test
    void diskBudget_givesUpTheOldestRawPointsFirst_thenTheFinestRollups_keepingTheDays() {
        fill(FAN, "t", 60);
        // Closed and opened again: everything merged and the log trimmed, so that every byte in use is
        // one the budget can give up (until trimmed, the log's rows count too).
        store.close();
        store = openStore();
        long used = store.ports().telemetryRetention().usedBytes();
        assertThat(used).isPositive();
        // Ample periods: only the budget deletes. Half the space in use: raw points alone do not suffice.
        Retention retention = retention(settings(
                RetentionPolicy.FOREVER,
                RetentionPolicy.FOREVER,
                RetentionPolicy.FOREVER,
                RetentionPolicy.FOREVER,
                List.of(),
                used / 2));

        Retention.Pass pass = retention.runOnce();

        assertThat(store.ports().telemetryRetention().usedBytes()).isLessThanOrEqualTo(used / 2);
        assertThat(pass.evicted().get(Level.RAW)).as("raw points go first").isPositive();
        long newestRawGone = rawCount(FAN, "t", 0, NOW) == 0 ? NOW : firstRaw();
        assertThat(tier(FAN, "t", Tier.DAY)).as("the day tier stays").hasSize(61);
        if (pass.evicted().getOrDefault(Level.MINUTE, 0L) > 0) {
            assertThat(rawCount(FAN, "t", 0, NOW))
                    .as("minutes go only once no raw point is left")
                    .isZero();
        }
        assertThat(newestRawGone).isGreaterThan(NOW - 60 * DAY);
        assertThat(meters.get("edgeward.store.evicted.points")
                        .tag("tier", "raw")
                        .counter()
                        .count())
                .isEqualTo((double) pass.evicted().get(Level.RAW));
    }

    private long firstRaw() {
        return store.telemetryReader()
                .raw(FAN, "t", new io.edgeward.core.telemetry.TimeRange(0, NOW), 1)
                .getFirst()
                .timestamp();
    }

    @Test
    void usedBytes_countsLivePages_notTheFreeOnesADeletionLeaves() {
        fill(FAN, "t", 30);
        store.ports().telemetryRetention().series(); // merged into the series file, as a pass finds them
        long full = store.ports().telemetryRetention().usedBytes();
        retention(settings(
                        Duration.ofDays(1),
                        Duration.ofDays(1),
                        Duration.ofDays(1),
                        RetentionPolicy.FOREVER,
                        List.of(),
                        0))
                .runOnce();
        assertThat(store.ports().telemetryRetention().usedBytes()).isLessThan(full);
    }
}
