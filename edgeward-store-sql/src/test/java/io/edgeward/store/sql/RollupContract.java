package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Aggregation;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.BucketSeries;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.Tier;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rollup tiers' contract: every bucket equals its recomputation from the raw points; every dialect runs it. */
abstract class RollupContract {

    /** A day boundary, so that a few days of points fill several day buckets. */
    static final long DAY0 = Tier.DAY.bucketOf(1_760_000_000_000L);

    static final DeviceId DEV = DeviceId.of("dev-1");

    SqlStore store;
    TelemetryReader reader;

    abstract SqlStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
        reader = store.telemetryReader();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    void commit(List<Point> points) {
        store.telemetryWriter().commit(CommitBatch.of(points));
    }

    @Test
    void everyTier_overRandomLateReplacedAndMixedPoints_equalsRecomputationFromRaw() {
        Random random = new Random(20);
        List<DeviceId> devices = List.of(DEV, DeviceId.of("dev-2"));
        List<String> metrics = List.of("t", "door", "mixed");
        long span = 3 * Tier.DAY.millis();
        // What the store must hold: the last write of each key.
        Map<String, Point> stored = new HashMap<>();
        List<Point> sent = new ArrayList<>();
        for (int batch = 0; batch < 60; batch++) {
            List<Point> points = new ArrayList<>();
            int size = 1 + random.nextInt(400);
            for (int i = 0; i < size; i++) {
                Point point;
                if (!sent.isEmpty() && random.nextInt(8) == 0) {
                    // A replacement: a key sent before, with another value (a minimum or maximum, often).
                    Point old = sent.get(random.nextInt(sent.size()));
                    point = new Point(old.device(), old.metric(), old.timestamp(), value(old.metric(), random), null);
                } else {
                    DeviceId device = devices.get(random.nextInt(devices.size()));
                    String metric = metrics.get(random.nextInt(metrics.size()));
                    // Mostly recent, some late (anywhere in the span): out of order within and across commits.
                    long at = random.nextInt(4) == 0
                            ? DAY0 + (long) (random.nextDouble() * span)
                            : DAY0 + span - 1 - random.nextInt(600_000);
                    point = new Point(device, metric, at, value(metric, random), null);
                }
                points.add(point);
                sent.add(point);
                stored.put(point.device().value() + "/" + point.metric() + "/" + point.timestamp(), point);
            }
            commit(points);
            if (random.nextInt(4) == 0) {
                // Bring the tiers up to date mid-stream, so that later points meet stored buckets.
                reader.rollups(DEV, "t", Tier.MINUTE, new TimeRange(DAY0, DAY0 + span));
            }
        }

        TimeRange all = new TimeRange(DAY0, DAY0 + span);
        for (DeviceId device : devices) {
            for (String metric : metrics) {
                long expectedCount = stored.values().stream()
                        .filter(p -> p.device().equals(device) && p.metric().equals(metric))
                        .count();
                for (Tier tier : Tier.FINEST_FIRST) {
                    List<Bucket> rollups = reader.rollups(device, metric, tier, all);
                    List<Bucket> recomputed = reader.buckets(device, metric, all, tier.width());
                    assertThat(rollups.stream().mapToLong(Bucket::count).sum())
                            .as("%s/%s %s: one count per stored point", device, metric, tier.wireName())
                            .isEqualTo(expectedCount);
                    assertSameBuckets(rollups, recomputed, device + "/" + metric + " " + tier.wireName());
                }
            }
        }
    }

    private static Value value(String metric, Random random) {
        return switch (metric) {
            case "t" -> Value.of(Math.round(random.nextGaussian() * 1000) / 10.0);
            case "door" -> Value.of(random.nextBoolean());
            default ->
                switch (random.nextInt(3)) {
                    case 0 -> Value.of(random.nextInt(100));
                    case 1 -> Value.of(random.nextBoolean());
                    default -> Value.of("mode-" + random.nextInt(5));
                };
        };
    }

    static void assertSameBuckets(List<Bucket> actual, List<Bucket> expected, String what) {
        assertThat(actual).as(what + ": buckets").hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Bucket a = actual.get(i);
            Bucket e = expected.get(i);
            String at = what + " bucket " + e.start();
            assertThat(a.start()).as(at).isEqualTo(e.start());
            assertThat(a.count()).as(at + " count").isEqualTo(e.count());
            assertThat(a.numericCount()).as(at + " numeric count").isEqualTo(e.numericCount());
            assertThat(a.trueCount()).as(at + " true count").isEqualTo(e.trueCount());
            assertThat(a.first()).as(at + " first").isEqualTo(e.first());
            assertThat(a.firstAt()).as(at + " first time").isEqualTo(e.firstAt());
            assertThat(a.last()).as(at + " last").isEqualTo(e.last());
            assertThat(a.lastAt()).as(at + " last time").isEqualTo(e.lastAt());
            // Sums in another order differ in the last bits; extremes do not.
            assertThat(a.sum()).as(at + " sum").isCloseTo(e.sum(), Offset.offset(1e-6 * (1 + Math.abs(e.sum()))));
            assertThat(a.sumOfSquares())
                    .as(at + " sum of squares")
                    .isCloseTo(e.sumOfSquares(), Offset.offset(1e-6 * (1 + e.sumOfSquares())));
            if (e.numericCount() > 0) {
                assertThat(a.min()).as(at + " min").isEqualTo(e.min());
                assertThat(a.max()).as(at + " max").isEqualTo(e.max());
            }
        }
    }

    @Test
    void replacingTheMinimum_correctsTheBucket_withoutCountingTwice() {
        long minute = Tier.MINUTE.bucketOf(DAY0 + 5_000_000);
        commit(List.of(
                new Point(DEV, "t", minute + 1_000, Value.of(1.0), null),
                new Point(DEV, "t", minute + 2_000, Value.of(5.0), null)));
        assertThat(reader.rollups(DEV, "t", Tier.MINUTE, new TimeRange(minute, minute + 60_000)))
                .singleElement()
                .satisfies(b -> assertThat(b.min()).isEqualTo(1.0));

        commit(List.of(new Point(DEV, "t", minute + 1_000, Value.of(7.0), null)));

        for (Tier tier : Tier.FINEST_FIRST) {
            long start = tier.bucketOf(minute);
            assertThat(reader.rollups(DEV, "t", tier, new TimeRange(start, start + tier.millis())))
                    .as(tier.wireName())
                    .singleElement()
                    .satisfies(b -> {
                        assertThat(b.count()).isEqualTo(2);
                        assertThat(b.min()).isEqualTo(5.0);
                        assertThat(b.max()).isEqualTo(7.0);
                        assertThat(b.sum()).isEqualTo(12.0);
                        assertThat(b.first()).isEqualTo(Value.of(7.0));
                    });
        }
    }

    @Test
    void booleans_rollUpAsCountAndCountTrue_stringsAsFirstAndLast() {
        long minute = Tier.MINUTE.bucketOf(DAY0 + 7_000_000);
        commit(List.of(
                new Point(DEV, "door", minute + 1, Value.of(true), null),
                new Point(DEV, "door", minute + 2, Value.of(false), null),
                new Point(DEV, "door", minute + 3, Value.of(true), null),
                new Point(DEV, "mode", minute + 5, Value.of("boost"), null),
                new Point(DEV, "mode", minute + 4, Value.of("eco"), null)));
        TimeRange hour = new TimeRange(Tier.HOUR.bucketOf(minute), Tier.HOUR.bucketOf(minute) + Tier.HOUR.millis());
        Bucket door = reader.rollups(DEV, "door", Tier.HOUR, hour).getFirst();
        assertThat(door.value(Aggregation.COUNT)).isEqualTo(Value.of(3.0));
        assertThat(door.value(Aggregation.COUNT_TRUE)).isEqualTo(Value.of(2.0));
        assertThat(door.value(Aggregation.AVG)).isNull();
        Bucket mode = reader.rollups(DEV, "mode", Tier.HOUR, hour).getFirst();
        assertThat(mode.first()).isEqualTo(Value.of("eco"));
        assertThat(mode.last()).isEqualTo(Value.of("boost"));
    }

    @Test
    void queries_answerFromTheCoarsestTierThatDividesTheInterval_andEqualRawBuckets() {
        Random random = new Random(7);
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            points.add(new Point(
                    DEV, "t", DAY0 + (long) (random.nextDouble() * 4 * Tier.DAY.millis()), Value.of(i % 97), null));
        }
        commit(points);
        TelemetryQueries queries = new TelemetryQueries(reader);
        TimeRange aligned = new TimeRange(DAY0, DAY0 + 4 * Tier.DAY.millis());
        // Cut at both ends: whole hours in the middle, minutes and then raw points at the edges.
        TimeRange ragged = new TimeRange(DAY0 + 90_500, DAY0 + 2 * Tier.DAY.millis() + 3_700_250);

        record Case(TimeRange range, Duration interval, List<String> sources) {}
        for (Case c : List.of(
                new Case(aligned, Duration.ofMinutes(15), List.of("1m")),
                new Case(aligned, Duration.ofHours(6), List.of("1h")),
                new Case(aligned, Duration.ofDays(2), List.of("1d")),
                new Case(aligned, Duration.ofSeconds(90), List.of("raw")),
                new Case(ragged, Duration.ofHours(3), List.of("1h", "1m", "raw")),
                new Case(ragged, Duration.ofDays(1), List.of("1d", "1h", "1m", "raw")))) {
            BucketSeries answer = queries.buckets(DEV, "t", c.range(), c.interval());
            assertThat(answer.sources()).as(c.toString()).isEqualTo(c.sources());
            assertSameBuckets(
                    answer.buckets(), reader.buckets(DEV, "t", c.range(), c.interval()), "query " + c.interval());
        }
    }

    @Test
    void deletingADevice_deletesItsRollups() {
        commit(List.of(new Point(DEV, "t", DAY0 + 1, Value.of(1.0), null)));
        TimeRange day = new TimeRange(DAY0, DAY0 + Tier.DAY.millis());
        assertThat(reader.rollups(DEV, "t", Tier.DAY, day)).hasSize(1);

        store.telemetryWriter().deleteDevice(DEV);

        for (Tier tier : Tier.FINEST_FIRST) {
            assertThat(reader.rollups(DEV, "t", tier, day)).as(tier.wireName()).isEmpty();
        }
    }
}
