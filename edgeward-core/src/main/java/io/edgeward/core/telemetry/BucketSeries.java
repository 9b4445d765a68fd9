package io.edgeward.core.telemetry;

import java.util.List;

/**
 * Time buckets of one series and where they came from.
 *
 * @param sources what the buckets were computed from, coarsest first: rollup tiers by name
 *     ({@code 1d}, {@code 1h}, {@code 1m}) and {@code raw} for raw points (the parts of the range
 *     that no whole bucket of a tier covers)
 */
public record BucketSeries(List<Bucket> buckets, List<String> sources) {

    public static final String RAW = "raw";

    public BucketSeries {
        buckets = List.copyOf(buckets);
        sources = List.copyOf(sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a bucket series comes from somewhere");
        }
    }

    /** The coarsest source: the tier that answered the bulk of the range, or {@code raw}. */
    public String source() {
        return sources.get(0);
    }
}
