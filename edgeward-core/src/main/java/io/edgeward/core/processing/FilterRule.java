package io.edgeward.core.processing;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/** What a filter passes; {@link FilterSpec} adds the heartbeat and what the raw store keeps. */
public sealed interface FilterRule {

    /** The name in the configuration. */
    String kind();

    /**
     * Pass a number only when it moved at least {@code absolute}, or {@code percent} of the last
     * passed value, from the last passed one; other values when they change.
     */
    record Deadband(Double absolute, Double percent) implements FilterRule {
        public Deadband {
            if ((absolute == null) == (percent == null)) {
                throw new IllegalArgumentException("deadband takes one of absolute or percent");
            }
            if (absolute != null && !(absolute > 0 && Double.isFinite(absolute))) {
                throw new IllegalArgumentException("deadband.absolute must be a positive number");
            }
            if (percent != null && !(percent > 0 && percent <= 1000)) {
                throw new IllegalArgumentException("deadband.percent must be above 0 and at most 1000");
            }
        }

        @Override
        public String kind() {
            return "deadband";
        }
    }

    /** Pass a point only when its value differs from the last passed one (numbers, booleans, strings). */
    record ChangeDriven() implements FilterRule {
        @Override
        public String kind() {
            return "change-driven";
        }
    }

    /**
     * At most one point per interval of {@code every} (aligned to the epoch): its first point at
     * once, or when the interval is over its last point or the mean of its numbers.
     */
    record Sample(Duration every, Keep keep) implements FilterRule {
        public Sample {
            Objects.requireNonNull(every, "every");
            Objects.requireNonNull(keep, "keep");
            if (every.toMillis() < 1) {
                throw new IllegalArgumentException("sample.every must be at least 1ms");
            }
        }

        @Override
        public String kind() {
            return "sample";
        }
    }

    /** Which point of a sample interval is passed. */
    enum Keep {
        FIRST,
        LAST,
        MEAN;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Pass numbers outside the band (above {@code above} or below {@code below}, either may be
     * absent) and the first point back inside after one outside: the crossings.
     */
    record Threshold(Double above, Double below) implements FilterRule {
        public Threshold {
            if (above == null && below == null) {
                throw new IllegalArgumentException("threshold takes above, below or both");
            }
            if (above != null && below != null && below > above) {
                throw new IllegalArgumentException("threshold.below must not be greater than threshold.above");
            }
        }

        @Override
        public String kind() {
            return "threshold";
        }

        boolean outside(double value) {
            return (above != null && value > above) || (below != null && value < below);
        }
    }
}
