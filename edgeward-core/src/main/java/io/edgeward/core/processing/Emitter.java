package io.edgeward.core.processing;

import io.edgeward.core.telemetry.BatchProcessor;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.StreamRecord;
import java.util.ArrayList;
import java.util.List;

/** What one batch produces, collected as filters pass points and windows close. */
final class Emitter {

    private final List<Point> derived = new ArrayList<>();
    private final List<StreamRecord> records = new ArrayList<>();

    void passed(String filter, Point point) {
        records.add(StreamRecord.of(StreamRecord.Kind.FILTER, filter, point));
    }

    void derived(String window, Point point) {
        derived.add(point);
        records.add(StreamRecord.of(StreamRecord.Kind.WINDOW, window, point));
    }

    BatchProcessor.Output result() {
        return records.isEmpty() ? BatchProcessor.Output.EMPTY : new BatchProcessor.Output(derived, records);
    }
}
