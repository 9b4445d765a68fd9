package io.edgeward.core.telemetry.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.Value;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/** Decodes the JSON (or CBOR) telemetry documents. See {@link io.edgeward.core.telemetry.TelemetryDecoder}. */
public final class JsonTelemetryDecoder {

    /** Seed timestamps above this are milliseconds sent where seconds belong. */
    private static final double SECONDS_CEILING = 1e11;

    /** Documents are shallow and numbers short; anything beyond is an attack or a bug, not telemetry. */
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(16)
            .maxNumberLength(64)
            .build();

    // NaN and Infinity are parsed (not refused as syntax errors) so that one NaN point is refused
    // on its own with reason not_finite, and the good points beside it are still stored.
    // The fast double parser: every seed document carries two decimals (value, timestamp), and the
    // JDK's parser was the largest allocator of the whole ingest path.
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS)
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** CBOR reads into the same tree, under the same limits; NaN and Infinity are native CBOR floats. */
    private static final ObjectMapper CBOR = CBORMapper.builder(CBORFactory.builder().streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build()).build();

    public void decode(byte[] payload, PointCollector out) {
        decode(MAPPER, "JSON", payload, out);
    }

    public void decodeCbor(byte[] payload, PointCollector out) {
        decode(CBOR, "CBOR", payload, out);
    }

    private void decode(ObjectMapper mapper, String format, byte[] payload, PointCollector out) {
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            out.rejectMessage(RejectReason.MALFORMED, "invalid " + format + ": " + e.getOriginalMessage());
            return;
        } catch (IOException | RuntimeException e) {
            // CBOR's parser reports some truncations as runtime exceptions; bad input is never an error of ours.
            out.rejectMessage(RejectReason.MALFORMED, "invalid " + format + ": " + e.getMessage());
            return;
        }
        if (root == null || root.isMissingNode()) {
            out.rejectMessage(RejectReason.MALFORMED, "empty " + format + " document");
        } else if (root.isArray()) {
            for (int i = 0; i < root.size(); i++) {
                document(root.get(i), "[" + i + "].", out);
            }
        } else {
            document(root, "", out);
        }
    }

    private void document(JsonNode doc, String path, PointCollector out) {
        if (!doc.isObject()) {
            out.reject(RejectReason.MALFORMED, path + "expected a JSON object, got " + doc.getNodeType().name().toLowerCase());
            return;
        }
        JsonNode sensor = doc.get("sensor_id");
        if (sensor != null && !sensor.isTextual()) {
            out.reject(RejectReason.WRONG_TYPE, path + "sensor_id must be a string");
            return;
        }
        if (sensor != null && !out.checkDevice(path, sensor.textValue())) {
            return;
        }
        JsonNode unitNode = doc.get("unit");
        if (unitNode != null && !unitNode.isTextual() && !unitNode.isNull()) {
            out.reject(RejectReason.WRONG_TYPE, path + "unit must be a string");
            return;
        }
        String unit = unitNode == null || unitNode.isNull() ? null : unitNode.textValue();
        if (doc.has("values")) {
            multiMetric(doc, path, unit, out);
        } else if (doc.has("type") && doc.has("value")) {
            seed(doc, path, unit, out);
        } else {
            out.reject(RejectReason.MALFORMED, path
                    + "expected {\"type\",\"value\",...} (seed document) or {\"ts\",\"values\":{...}}");
        }
    }

    private void multiMetric(JsonNode doc, String path, String unit, PointCollector out) {
        Long ts = null;
        JsonNode tsNode = doc.get("ts");
        if (tsNode != null && !tsNode.isNull()) {
            if (!tsNode.isIntegralNumber() || !tsNode.canConvertToLong()) {
                out.reject(RejectReason.WRONG_TYPE, path + "ts must be an integer (epoch milliseconds)");
                return;
            }
            ts = tsNode.longValue();
        }
        JsonNode values = doc.get("values");
        if (!values.isObject()) {
            out.reject(RejectReason.WRONG_TYPE, path + "values must be an object of metric -> value");
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = values.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String fieldPath = path + "values." + PointCollector.abbreviate(field.getKey()) + ": ";
            Value value = value(field.getValue(), fieldPath, out);
            if (value != null) {
                out.add(fieldPath, field.getKey(), ts, value, unit);
            }
        }
    }

    private void seed(JsonNode doc, String path, String unit, PointCollector out) {
        JsonNode type = doc.get("type");
        if (!type.isTextual()) {
            out.reject(RejectReason.WRONG_TYPE, path + "type must be a string (the metric name)");
            return;
        }
        Long ts = null;
        JsonNode tsNode = doc.get("timestamp");
        if (tsNode != null && !tsNode.isNull()) {
            if (!tsNode.isNumber()) {
                out.reject(RejectReason.WRONG_TYPE, path + "timestamp must be a number (Unix seconds)");
                return;
            }
            double seconds = tsNode.doubleValue();
            if (!Double.isFinite(seconds)) {
                out.reject(RejectReason.NOT_FINITE, path + "timestamp is not a finite number");
                return;
            }
            ts = seconds > SECONDS_CEILING ? (long) seconds : Math.round(seconds * 1000.0);
        }
        String fieldPath = path + "value: ";
        Value value = value(doc.get("value"), fieldPath, out);
        if (value != null) {
            out.add(fieldPath, type.textValue(), ts, value, unit);
        }
    }

    private static Value value(JsonNode node, String path, PointCollector out) {
        if (node.isNumber()) {
            double number = node.doubleValue();
            if (!Double.isFinite(number)) {
                out.reject(RejectReason.NOT_FINITE, path + node.asText() + " is not a finite number");
                return null;
            }
            return Value.of(number);
        }
        if (node.isBoolean()) {
            return Value.of(node.booleanValue());
        }
        if (node.isTextual()) {
            return Value.of(node.textValue());
        }
        out.reject(RejectReason.WRONG_TYPE, path + "a value must be a number, boolean or string, got "
                + node.getNodeType().name().toLowerCase());
        return null;
    }
}
