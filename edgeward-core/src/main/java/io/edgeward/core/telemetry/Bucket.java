package io.edgeward.core.telemetry;

/**
 * One time bucket of a series, with everything its aggregations derive from: the count of points,
 * and over its numeric points the count, sum, minimum, maximum and sum of squares (so that mean
 * and population standard deviation are exact combinations, as rollup tiers keep them), and the
 * first and last point of any kind with their times.
 *
 * @param start epoch milliseconds of the bucket's start
 * @param count points in the bucket, of any kind
 * @param numericCount numeric points in the bucket; the numeric fields are 0 when there are none
 * @param trueCount boolean points in the bucket that are true
 */
public record Bucket(
        long start,
        long count,
        long numericCount,
        double sum,
        double min,
        double max,
        double sumOfSquares,
        long trueCount,
        Value first,
        long firstAt,
        Value last,
        long lastAt) {

    /**
     * The bucket's value under {@code aggregation}; {@code null} for a numeric aggregation over a
     * bucket without numeric points (the mean of strings).
     */
    public Value value(Aggregation aggregation) {
        if (aggregation == Aggregation.COUNT) {
            return Value.of((double) count);
        }
        if (aggregation == Aggregation.COUNT_TRUE) {
            return Value.of((double) trueCount);
        }
        if (aggregation == Aggregation.FIRST) {
            return first;
        }
        if (aggregation == Aggregation.LAST) {
            return last;
        }
        if (numericCount == 0) {
            return null;
        }
        return Value.of(
                switch (aggregation) {
                    case SUM -> sum;
                    case MIN -> min;
                    case MAX -> max;
                    case AVG -> sum / numericCount;
                    case STDDEV -> populationStandardDeviation();
                    default -> throw new IllegalStateException("not numeric: " + aggregation);
                });
    }

    /** This bucket as the bucket starting at {@code start} (a finer bucket standing for the coarser one that holds it). */
    public Bucket at(long start) {
        return new Bucket(
                start, count, numericCount, sum, min, max, sumOfSquares, trueCount, first, firstAt, last, lastAt);
    }

    /**
     * This bucket and {@code other}, points of disjoint parts of one time span (two finer buckets,
     * or a rollup and the raw points beside it), as one bucket starting at {@code start}: counts and
     * sums add, extremes combine, first and last go by time.
     */
    public Bucket combine(Bucket other, long start) {
        boolean mine = numericCount > 0;
        boolean theirs = other.numericCount > 0;
        boolean firstMine = firstAt <= other.firstAt;
        boolean lastMine = lastAt >= other.lastAt;
        return new Bucket(
                start,
                count + other.count,
                numericCount + other.numericCount,
                sum + other.sum,
                !theirs ? min : !mine ? other.min : Math.min(min, other.min),
                !theirs ? max : !mine ? other.max : Math.max(max, other.max),
                sumOfSquares + other.sumOfSquares,
                trueCount + other.trueCount,
                firstMine ? first : other.first,
                firstMine ? firstAt : other.firstAt,
                lastMine ? last : other.last,
                lastMine ? lastAt : other.lastAt);
    }

    /** The seed's standard deviation: of the population, from the sums, never below zero (rounding). */
    private double populationStandardDeviation() {
        double mean = sum / numericCount;
        return Math.sqrt(Math.max(0, sumOfSquares / numericCount - mean * mean));
    }
}
