package io.edgeward.core.telemetry.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.Value;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes the JSON (or CBOR) telemetry documents. See {@link io.edgeward.core.telemetry.TelemetryDecoder}.
 *
 * <p>It reads the parser's tokens rather than a tree: a document's fields are few and known, and
 * building a {@code JsonNode} tree for each message was the largest allocation of the ingest path
 * (the tree's maps were 14 % of all bytes allocated at 28k messages/s). A document's fields may come
 * in any order, so each is read into a {@link Field} first and judged once the object ends; of a
 * field given twice, the last counts, as in a tree.
 */
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
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** CBOR is read the same way, under the same limits; NaN and Infinity are native CBOR floats. */
    private static final JsonFactory CBOR = CBORFactory.builder()
            .streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    public void decode(byte[] payload, PointCollector out) {
        decode(JSON, "JSON", payload, out);
    }

    public void decodeCbor(byte[] payload, PointCollector out) {
        decode(CBOR, "CBOR", payload, out);
    }

    private void decode(JsonFactory factory, String format, byte[] payload, PointCollector out) {
        try (JsonParser parser = factory.createParser(payload)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                out.rejectMessage(RejectReason.MALFORMED, "empty " + format + " document");
            } else if (token == JsonToken.START_ARRAY) {
                int index = 0;
                while ((token = next(parser)) != JsonToken.END_ARRAY) {
                    document(parser, token, "[" + index++ + "].", out);
                }
            } else {
                document(parser, token, "", out);
            }
        } catch (JsonProcessingException e) {
            // A document broken anywhere is refused whole, also the points read before the break.
            out.rejectMessage(RejectReason.MALFORMED, "invalid " + format + ": " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            // CBOR's parser reports some truncations as runtime exceptions; bad input is never an error of ours.
            out.rejectMessage(RejectReason.MALFORMED, "invalid " + format + ": " + e.getMessage());
        }
    }

    private void document(JsonParser parser, JsonToken start, String path, PointCollector out) throws IOException {
        if (start != JsonToken.START_OBJECT) {
            Field notAnObject = Field.read(parser, start);
            out.reject(RejectReason.MALFORMED, path + "expected a JSON object, got " + notAnObject.kind());
            return;
        }
        Document doc = new Document();
        while (next(parser) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken token = next(parser);
            switch (name) {
                case "sensor_id" -> doc.sensor = Field.read(parser, token);
                case "unit" -> doc.unit = Field.read(parser, token);
                case "type" -> doc.type = Field.read(parser, token);
                case "value" -> doc.value = Field.read(parser, token);
                case "timestamp" -> doc.timestamp = Field.read(parser, token);
                case "ts" -> doc.ts = Field.read(parser, token);
                case "values" -> {
                    doc.hasValues = true;
                    doc.values = token == JsonToken.START_OBJECT ? values(parser) : null;
                    parser.skipChildren(); // an array where the object belongs
                }
                default -> parser.skipChildren(); // location and whatever else a device adds
            }
        }
        judge(doc, path, out);
    }

    private static Map<String, Field> values(JsonParser parser) throws IOException {
        // Ordered as sent; a metric given twice keeps its first place and its last value, as in a tree.
        Map<String, Field> values = new LinkedHashMap<>();
        while (next(parser) == JsonToken.FIELD_NAME) {
            String metric = parser.currentName();
            values.put(metric, Field.read(parser, next(parser)));
        }
        return values;
    }

    /** The next token; a document that ends inside an object or array is broken, whatever the parser makes of it. */
    private static JsonToken next(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw new JsonEOFException(parser, null, "unexpected end of document");
        }
        return token;
    }

    private void judge(Document doc, String path, PointCollector out) {
        if (doc.sensor != null && !doc.sensor.isText()) {
            out.reject(RejectReason.WRONG_TYPE, path + "sensor_id must be a string");
            return;
        }
        if (doc.sensor != null && !out.checkDevice(path, doc.sensor.text())) {
            return;
        }
        if (doc.unit != null && !doc.unit.isText() && !doc.unit.isNull()) {
            out.reject(RejectReason.WRONG_TYPE, path + "unit must be a string");
            return;
        }
        String unit = doc.unit == null || doc.unit.isNull() ? null : doc.unit.text();
        if (doc.hasValues) {
            multiMetric(doc, path, unit, out);
        } else if (doc.type != null && doc.value != null) {
            seed(doc, path, unit, out);
        } else {
            out.reject(
                    RejectReason.MALFORMED,
                    path + "expected {\"type\",\"value\",...} (seed document) or {\"ts\",\"values\":{...}}");
        }
    }

    private void multiMetric(Document doc, String path, String unit, PointCollector out) {
        Long ts = null;
        if (doc.ts != null && !doc.ts.isNull()) {
            if (doc.ts.integer() == null) {
                out.reject(RejectReason.WRONG_TYPE, path + "ts must be an integer (epoch milliseconds)");
                return;
            }
            ts = doc.ts.integer();
        }
        if (doc.values == null) {
            out.reject(RejectReason.WRONG_TYPE, path + "values must be an object of metric -> value");
            return;
        }
        for (Map.Entry<String, Field> field : doc.values.entrySet()) {
            String fieldPath = path + "values." + PointCollector.abbreviate(field.getKey()) + ": ";
            Value value = value(field.getValue(), fieldPath, out);
            if (value != null) {
                out.add(fieldPath, field.getKey(), ts, value, unit);
            }
        }
    }

    private void seed(Document doc, String path, String unit, PointCollector out) {
        if (!doc.type.isText()) {
            out.reject(RejectReason.WRONG_TYPE, path + "type must be a string (the metric name)");
            return;
        }
        Long ts = null;
        if (doc.timestamp != null && !doc.timestamp.isNull()) {
            if (!doc.timestamp.isNumber()) {
                out.reject(RejectReason.WRONG_TYPE, path + "timestamp must be a number (Unix seconds)");
                return;
            }
            double seconds = doc.timestamp.number();
            if (!Double.isFinite(seconds)) {
                out.reject(RejectReason.NOT_FINITE, path + "timestamp is not a finite number");
                return;
            }
            ts = seconds > SECONDS_CEILING ? (long) seconds : Math.round(seconds * 1000.0);
        }
        String fieldPath = path.isEmpty() ? "value: " : path + "value: ";
        Value value = value(doc.value, fieldPath, out);
        if (value != null) {
            out.add(fieldPath, doc.type.text(), ts, value, unit);
        }
    }

    private static Value value(Field field, String path, PointCollector out) {
        if (field.isNumber()) {
            if (!Double.isFinite(field.number())) {
                out.reject(RejectReason.NOT_FINITE, path + field.text() + " is not a finite number");
                return null;
            }
            return Value.of(field.number());
        }
        if (field.token() == JsonToken.VALUE_TRUE || field.token() == JsonToken.VALUE_FALSE) {
            return Value.of(field.token() == JsonToken.VALUE_TRUE);
        }
        if (field.isText()) {
            return Value.of(field.text());
        }
        out.reject(RejectReason.WRONG_TYPE, path + "a value must be a number, boolean or string, got " + field.kind());
        return null;
    }

    /** The fields of one document that decide what it is; {@code null} where absent. */
    private static final class Document {
        Field sensor;
        Field unit;
        Field type;
        Field value;
        Field timestamp;
        Field ts;
        boolean hasValues;
        Map<String, Field> values;
    }

    /**
     * One field's value as read: its token, and its text or number. Objects and arrays are skipped;
     * only their kind is kept, for the refusal.
     *
     * @param text a string's value, or the text of a number that is not finite (for its refusal)
     * @param integer an integer's value when it fits a long, else {@code null}
     */
    private record Field(JsonToken token, String text, double number, Long integer) {

        static Field read(JsonParser parser, JsonToken token) throws IOException {
            return switch (token) {
                case VALUE_STRING -> new Field(token, parser.getText(), 0, null);
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    double number = parser.getDoubleValue();
                    Long integer = token == JsonToken.VALUE_NUMBER_INT
                                    && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            ? parser.getLongValue()
                            : null;
                    yield new Field(token, Double.isFinite(number) ? null : parser.getText(), number, integer);
                }
                case START_OBJECT, START_ARRAY -> {
                    parser.skipChildren();
                    yield new Field(token, null, 0, null);
                }
                default -> new Field(token, null, 0, null);
            };
        }

        boolean isText() {
            return token == JsonToken.VALUE_STRING;
        }

        boolean isNumber() {
            return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        }

        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        /** The JSON kind, as a refusal names it. */
        String kind() {
            return switch (token) {
                case START_OBJECT -> "object";
                case START_ARRAY -> "array";
                case VALUE_STRING -> "string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
                case VALUE_TRUE, VALUE_FALSE -> "boolean";
                case VALUE_NULL -> "null";
                case VALUE_EMBEDDED_OBJECT -> "binary";
                default -> token.name().toLowerCase(Locale.ROOT);
            };
        }
    }
}
