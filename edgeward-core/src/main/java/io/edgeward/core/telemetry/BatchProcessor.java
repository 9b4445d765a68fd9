package io.edgeward.core.telemetry;

import java.util.List;

/**
 * The processing stage inside the group commit (filters and windows, {@code core.processing}): it
 * sees every accepted point in commit order, on the writer thread, and what it produces is stored
 * in the same transaction as the points.
 */
public interface BatchProcessor {

    /** Processes nothing: for nodes and tests without a processing stage. */
    BatchProcessor NONE = new BatchProcessor() {
        @Override
        public Output process(List<Point> points) {
            return Output.EMPTY;
        }

        @Override
        public void discard(List<Point> points) {}
    };

    /**
     * Evaluates a batch about to be committed and returns what it produces. Its state moves on as
     * if the commit succeeds; {@link #discard} undoes that when it fails.
     */
    Output process(List<Point> points);

    /** The commit of these points failed: forget what processing them taught, to be rebuilt from the store. */
    void discard(List<Point> points);

    /** Derived points (stored like accepted ones) and stream records. */
    record Output(List<Point> derived, List<StreamRecord> records) {
        public static final Output EMPTY = new Output(List.of(), List.of());

        public Output {
            derived = List.copyOf(derived);
            records = List.copyOf(records);
        }
    }
}
