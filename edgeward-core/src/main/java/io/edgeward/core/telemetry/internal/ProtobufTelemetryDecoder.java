package io.edgeward.core.telemetry.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.Value;
import io.edgeward.core.telemetry.proto.Reading;
import io.edgeward.core.telemetry.proto.TelemetryBatch;
import java.util.Map;

/** Decodes {@code TelemetryBatch} messages (see {@code telemetry.proto}). */
public final class ProtobufTelemetryDecoder {

    public void decode(byte[] payload, PointCollector out) {
        TelemetryBatch batch;
        try {
            batch = TelemetryBatch.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            out.rejectMessage(RejectReason.MALFORMED, "invalid Protobuf TelemetryBatch: " + e.getMessage());
            return;
        }
        for (int i = 0; i < batch.getReadingsCount(); i++) {
            Reading reading = batch.getReadings(i);
            String path = "readings[" + i + "].";
            if (!out.checkDevice(path, reading.getSensorId())) {
                continue;
            }
            Long ts = reading.getTsMs() == 0 ? null : reading.getTsMs();
            for (Map.Entry<String, io.edgeward.core.telemetry.proto.Value> entry :
                    reading.getValuesMap().entrySet()) {
                String fieldPath = path + "values." + PointCollector.abbreviate(entry.getKey()) + ": ";
                Value value = value(entry.getValue(), fieldPath, out);
                if (value != null) {
                    out.add(fieldPath, entry.getKey(), ts, value, reading.getUnit());
                }
            }
        }
    }

    private static Value value(io.edgeward.core.telemetry.proto.Value value, String path, PointCollector out) {
        return switch (value.getKindCase()) {
            case NUMBER -> {
                if (!Double.isFinite(value.getNumber())) {
                    out.reject(RejectReason.NOT_FINITE, path + value.getNumber() + " is not a finite number");
                    yield null;
                }
                yield Value.of(value.getNumber());
            }
            case BOOLEAN -> Value.of(value.getBoolean());
            case TEXT -> Value.of(value.getText());
            case KIND_NOT_SET -> {
                out.reject(RejectReason.WRONG_TYPE, path + "value has no number, boolean or text");
                yield null;
            }
        };
    }
}
