package io.edgeward.core.telemetry;

import io.edgeward.core.device.DeviceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Answers a bucket query from the coarsest rollup tier whose width divides the interval: 15m
 * buckets from 1m rollups, 6h from 1h, a week from 1d. Buckets are aligned to the epoch, so an
 * interval bucket is a whole number of tier buckets; only where the range cuts a tier bucket at
 * either end does the answer come from the next finer tier, down to the raw points.
 */
final class BucketPlanner {

    private final TelemetryReader store;

    BucketPlanner(TelemetryReader store) {
        this.store = store;
    }

    /** The buckets from the best tiers, or ({@code rawOnly}) computed from the raw points alone. */
    BucketSeries buckets(DeviceId device, String metric, TimeRange range, Duration interval, boolean rawOnly) {
        Plan plan = new Plan(device, metric, interval);
        plan.collect(range, rawOnly ? null : Tier.coarsestDividing(interval, Tier.DAY));
        return new BucketSeries(new ArrayList<>(plan.buckets.values()), plan.sources());
    }

    private final class Plan {
        private final DeviceId device;
        private final String metric;
        private final Duration interval;
        private final TreeMap<Long, Bucket> buckets = new TreeMap<>();
        private final Set<Tier> tiers = EnumSet.noneOf(Tier.class);
        private boolean raw;

        Plan(DeviceId device, String metric, Duration interval) {
            this.device = device;
            this.metric = metric;
            this.interval = interval;
        }

        void collect(TimeRange range, Tier tier) {
            if (tier == null) {
                raw = true;
                store.buckets(device, metric, range, interval).forEach(this::add);
                return;
            }
            long width = tier.millis();
            long wholeFrom = Math.ceilDiv(range.from(), width) * width;
            long wholeTo = Math.floorDiv(range.to(), width) * width;
            if (wholeFrom >= wholeTo) {
                collect(range, tier.finer());
                return;
            }
            if (range.from() < wholeFrom) {
                collect(new TimeRange(range.from(), wholeFrom), tier.finer());
            }
            tiers.add(tier);
            store.rollups(device, metric, tier, new TimeRange(wholeFrom, wholeTo))
                    .forEach(this::add);
            if (wholeTo < range.to()) {
                collect(new TimeRange(wholeTo, range.to()), tier.finer());
            }
        }

        private void add(Bucket bucket) {
            long start = Math.floorDiv(bucket.start(), interval.toMillis()) * interval.toMillis();
            buckets.merge(start, bucket.at(start), (mine, other) -> mine.combine(other, start));
        }

        List<String> sources() {
            List<String> sources = new ArrayList<>();
            Tier.FINEST_FIRST.reversed().stream().filter(tiers::contains).forEach(tier -> sources.add(tier.wireName()));
            if (raw) {
                sources.add(BucketSeries.RAW);
            }
            return sources;
        }
    }
}
