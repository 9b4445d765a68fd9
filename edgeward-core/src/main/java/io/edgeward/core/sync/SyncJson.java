package io.edgeward.core.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgeward.core.sync.proto.PointRecord;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.sync.proto.RecordList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code sync.uplink.format: json}: a frame as one JSON document for consumers of a broker a user
 * runs, points in the seed's telemetry document ({@code sensor_id, type, value, unit, timestamp}
 * in Unix seconds with fractions), uncompressed:
 * {@code {"edge_id","stream","first_seq","last_seq","records":[...]}}.
 */
final class SyncJson {

    private static final JsonFactory JSON = new JsonFactory();

    private SyncJson() {}

    static byte[] frame(String edgeId, Priority stream, List<OutboxEntry> rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("edge_id", edgeId);
            json.writeStringField("stream", stream.wireName());
            json.writeNumberField("first_seq", rows.getFirst().seq());
            json.writeNumberField("last_seq", rows.getLast().seq());
            json.writeArrayFieldStart("records");
            for (OutboxEntry row : rows) {
                for (Record record : RecordList.parseFrom(row.payload()).getRecordsList()) {
                    write(json, record);
                }
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an outbox row does not parse: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator json, Record record) throws IOException {
        switch (record.getKindCase()) {
            case POINT -> point(json, record.getPoint(), "telemetry");
            case DERIVED -> point(json, record.getDerived(), "derived");
            case DEVICE -> {
                var device = record.getDevice();
                json.writeStartObject();
                json.writeStringField("kind", device.getDeleted() ? "device_deleted" : "device");
                json.writeStringField("device_id", device.getId());
                json.writeStringField("name", device.getName());
                json.writeStringField("type", device.getType());
                json.writeStringField("model", device.getModel());
                json.writeStringField("firmware_version", device.getFirmwareVersion());
                json.writeStringField("location", device.getLocation());
                json.writeArrayFieldStart("tags");
                for (String tag : device.getTagsList()) {
                    json.writeString(tag);
                }
                json.writeEndArray();
                json.writeNumberField("timestamp", device.getChangedAtMs() / 1000.0);
                json.writeEndObject();
            }
            case STATUS -> {
                json.writeStartObject();
                json.writeStringField("kind", "status");
                json.writeStringField("device_id", record.getStatus().getDevice());
                json.writeStringField("status", record.getStatus().getStatus());
                json.writeNumberField("timestamp", record.getStatus().getAtMs() / 1000.0);
                json.writeEndObject();
            }
            case EVENT -> {
                json.writeStartObject();
                json.writeStringField("kind", record.getEvent().getKind());
                json.writeStringField("device_id", record.getEvent().getDevice());
                json.writeNumberField("timestamp", record.getEvent().getAtMs() / 1000.0);
                json.writeFieldName("event");
                json.writeRawValue(
                        record.getEvent().getJson().isEmpty()
                                ? "{}"
                                : record.getEvent().getJson());
                json.writeEndObject();
            }
            case LOG -> {
                json.writeStartObject();
                json.writeStringField("kind", "log");
                json.writeStringField("device_id", record.getLog().getDevice());
                json.writeStringField("level", record.getLog().getLevel());
                json.writeStringField("message", record.getLog().getMessage());
                if (!record.getLog().getFieldsJson().isEmpty()) {
                    json.writeFieldName("fields");
                    json.writeRawValue(record.getLog().getFieldsJson());
                }
                json.writeNumberField("timestamp", record.getLog().getTsMs() / 1000.0);
                json.writeEndObject();
            }
            case KIND_NOT_SET -> {}
        }
    }

    private static void point(JsonGenerator json, PointRecord point, String kind) throws IOException {
        json.writeStartObject();
        json.writeStringField("kind", kind);
        json.writeStringField("sensor_id", point.getDevice());
        json.writeStringField("type", point.getMetric());
        switch (point.getValueCase()) {
            case NUMBER -> json.writeNumberField("value", point.getNumber());
            case BOOLEAN -> json.writeBooleanField("value", point.getBoolean());
            case TEXT -> json.writeStringField("value", point.getText());
            case VALUE_NOT_SET -> json.writeNullField("value");
        }
        if (!point.getUnit().isEmpty()) {
            json.writeStringField("unit", point.getUnit());
        }
        if (!point.getSource().isEmpty()) {
            json.writeStringField("source", point.getSource());
        }
        json.writeNumberField("timestamp", point.getTsMs() / 1000.0);
        json.writeEndObject();
    }
}
