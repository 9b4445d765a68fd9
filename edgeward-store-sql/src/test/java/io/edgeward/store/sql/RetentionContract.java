package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.retention.Level;
import io.edgeward.core.retention.RawPeriodOverride;
import io.edgeward.core.retention.Retention;
import io.edgeward.core.retention.RetentionPolicy;
import io.edgeward.core.retention.RetentionRule;
import io.edgeward.core.retention.RetentionSettings;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Tier;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retention over a real store: what is past its period goes, in batches, and nothing newer is touched. */
abstract class RetentionContract {

    static final long NOW = Tier.DAY.bucketOf(1_760_000_000_000L) + 12 * 3_600_000L;
    static final long DAY = Tier.DAY.millis();
    static final DeviceId PUMP = DeviceId.of("pump-1");
    static final DeviceId FAN = DeviceId.of("fan-1");

    SqlStore store;
    MeterRegistry meters = new SimpleMeterRegistry();

    abstract SqlStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
        var registry = StoreContractTest.registry(store, NOW);
        registry.register(
                new NewDevice(PUMP, null, DeviceType.SENSOR, null, null, null, Map.of(), java.util.Set.of("short")));
        registry.register(NewDevice.of(FAN, DeviceType.SENSOR));
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    Retention retention(RetentionSettings settings) {
        return new Retention(
                store.ports().telemetryRetention(),
                store.devices(),
                settings,
                RawPeriodOverride.NONE,
                Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
                meters,
                Threads.named("test"));
    }

    static RetentionSettings settings(
            Duration raw, Duration minute, Duration hour, Duration day, List<RetentionRule> rules, long maxDisk) {
        return new RetentionSettings(
                new RetentionPolicy(Map.of(Level.RAW, raw, Level.MINUTE, minute, Level.HOUR, hour, Level.DAY, day)),
                rules,
                Duration.ofMinutes(1),
                maxDisk);
    }

    /** A point every ten minutes for {@code days} days before NOW. */
    void fill(DeviceId device, String metric, int days) {
        List<Point> points = new ArrayList<>();
        for (long t = NOW - days * DAY; t < NOW; t += 600_000) {
            points.add(new Point(device, metric, t, Value.of(t % 1000), null));
            if (points.size() == 1_000) {
                store.telemetryWriter().commit(CommitBatch.of(points));
                points = new ArrayList<>();
            }
        }
        store.telemetryWriter().commit(CommitBatch.of(points));
    }

    long rawCount(DeviceId device, String metric, long from, long to) {
        List<Point> points = new ArrayList<>();
        store.telemetryReader().forEachRaw(device, metric, new TimeRange(from, to), points::add);
        return points.size();
    }

    List<Bucket> tier(DeviceId device, String metric, Tier tier) {
        return store.telemetryReader().rollups(device, metric, tier, new TimeRange(0, NOW + DAY));
    }

    @Test
    void pass_deletesEachLevelPastItsPeriod_andNothingNewer() {
        fill(FAN, "t", 40);
        long rawBefore = rawCount(FAN, "t", NOW - 30 * DAY, NOW);
        long minutesKept = tier(FAN, "t", Tier.MINUTE).stream()
                .filter(b -> b.start() + 60_000 > NOW - 35 * DAY)
                .count();
        Retention retention = retention(settings(
                Duration.ofDays(30), Duration.ofDays(35), Duration.ofDays(38), RetentionPolicy.FOREVER, List.of(), 0));

        Retention.Pass pass = retention.runOnce();

        assertThat(rawCount(FAN, "t", 0, NOW - 30 * DAY)).as("raw past 30 days").isZero();
        assertThat(rawCount(FAN, "t", NOW - 30 * DAY, NOW))
                .as("raw within 30 days")
                .isEqualTo(rawBefore);
        assertThat(tier(FAN, "t", Tier.MINUTE))
                .as("every minute that ends within 35 days, and only those")
                .hasSize((int) minutesKept)
                .allSatisfy(b -> assertThat(b.start() + 60_000).isGreaterThan(NOW - 35 * DAY));
        assertThat(tier(FAN, "t", Tier.HOUR))
                .allSatisfy(b -> assertThat(b.start() + 3_600_000).isGreaterThan(NOW - 38 * DAY));
        assertThat(tier(FAN, "t", Tier.DAY)).as("kept forever").hasSize(41);
        assertThat(pass.expired().get(Level.RAW)).isEqualTo(10 * 144);
        assertThat(meters.get("edgeward.store.expired.points")
                        .tag("tier", "raw")
                        .counter()
                        .count())
                .isEqualTo(10 * 144);

        assertThat(retention.runOnce().expired().values())
                .as("a second pass finds nothing")
                .allMatch(n -> n == 0);
    }

    @Test
    void overrides_byMetricGlobAndTag_changeOnlyTheLevelsTheyName() {
        fill(FAN, "vibration_x", 10);
        fill(FAN, "t", 10);
        fill(PUMP, "t", 10);
        List<RetentionRule> rules = List.of(
                new RetentionRule("vibration*", null, null, null, Map.of(Level.RAW, Duration.ofDays(7))),
                new RetentionRule(null, null, null, "short", Map.of(Level.RAW, Duration.ofDays(2))),
                new RetentionRule(null, null, null, "short", Map.of(Level.RAW, Duration.ofDays(9))));
        retention(settings(
                        Duration.ofDays(30),
                        Duration.ofDays(365),
                        Duration.ofDays(365),
                        RetentionPolicy.FOREVER,
                        rules,
                        0))
                .runOnce();

        assertThat(rawCount(FAN, "vibration_x", 0, NOW - 7 * DAY)).isZero();
        assertThat(rawCount(FAN, "vibration_x", NOW - 7 * DAY, NOW)).isEqualTo(7 * 144);
        assertThat(rawCount(FAN, "t", 0, NOW)).as("no rule matches").isEqualTo(10 * 144);
        assertThat(rawCount(PUMP, "t", 0, NOW))
                .as("the first rule naming raw wins")
                .isEqualTo(2 * 144);
        assertThat(tier(PUMP, "t", Tier.MINUTE))
                .as("the rollups keep their own period")
                .hasSize(10 * 144);
    }

    @Test
    void largeBacklog_goesInBatches_whileIngestGoesOn_andNewPointsStay() throws Exception {
        // 30,000 expired points in one series: fifteen batches.
        List<Point> old = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            old.add(new Point(FAN, "t", NOW - 60 * DAY + i * 1_000L, Value.of(i), null));
        }
        store.telemetryWriter().commit(CommitBatch.of(old));
        AtomicBoolean ingesting = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread ingest = Thread.ofPlatform().start(() -> {
            long t = NOW - DAY;
            while (ingesting.get() && t < NOW) {
                List<Point> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    batch.add(new Point(FAN, "t", t, Value.of(1), null));
                    t += 1_000;
                }
                store.telemetryWriter().commit(CommitBatch.of(batch));
                committed.addAndGet(batch.size());
            }
        });
        try {
            Retention.Pass pass = retention(settings(
                            Duration.ofDays(30),
                            Duration.ofDays(365),
                            Duration.ofDays(365),
                            RetentionPolicy.FOREVER,
                            List.of(),
                            0))
                    .runOnce();
            assertThat(pass.expired().get(Level.RAW)).isEqualTo(30_000);
        } finally {
            ingesting.set(false);
            ingest.join();
        }
        assertThat(rawCount(FAN, "t", 0, NOW - 30 * DAY)).isZero();
        assertThat(committed.get()).as("ingest ran").isPositive();
        assertThat(rawCount(FAN, "t", NOW - 30 * DAY, NOW + DAY))
                .as("every point committed meanwhile")
                .isEqualTo(committed.get());
    }
}
