package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.RecordChange;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A device's record as it goes down a sync link (JSON), and the record of a conflict: a record
 * edited on both sides while apart, of which the newer change was kept and the other is recorded
 * here, not dropped.
 */
final class DeviceDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeviceDocuments() {}

    /** The record (what a person or an edge edits) and when it changed. */
    static ObjectNode record(Device device) {
        ObjectNode document = JSON.createObjectNode();
        document.put("name", device.name());
        document.put("type", device.type().wireName());
        document.put("model", device.model());
        document.put("firmware_version", device.firmwareVersion());
        document.put("location", device.location());
        document.set("metadata", JSON.valueToTree(device.metadata()));
        document.set("tags", JSON.valueToTree(device.tags().stream().sorted().toList()));
        document.put("updated_at_ms", device.updatedAt().toEpochMilli());
        if (device.basedOn() != null) {
            document.put("based_on_ms", device.basedOn().toEpochMilli());
        }
        return document;
    }

    /** The record of {@link #record} read back. */
    @SuppressWarnings("unchecked")
    static NewDevice read(DeviceId id, JsonNode document) {
        Map<String, Object> metadata = document.path("metadata").isObject()
                ? JSON.convertValue(document.get("metadata"), Map.class)
                : Map.of();
        Set<String> tags = new HashSet<>();
        document.path("tags").forEach(tag -> tags.add(tag.asText()));
        return new NewDevice(
                id,
                text(document, "name"),
                DeviceType.fromWire(document.path("type").asText("sensor")),
                text(document, "model"),
                text(document, "firmware_version"),
                text(document, "location"),
                metadata,
                tags);
    }

    /** When the record of {@link #record} changed, and on which version. */
    static RecordChange change(JsonNode document) {
        JsonNode at = document.get("updated_at_ms");
        if (at == null || !at.canConvertToLong()) {
            throw new IllegalArgumentException("a device record without updated_at_ms");
        }
        JsonNode basedOn = document.get("based_on_ms");
        return new RecordChange(
                Instant.ofEpochMilli(at.asLong()),
                basedOn == null || !basedOn.canConvertToLong() ? null : Instant.ofEpochMilli(basedOn.asLong()));
    }

    /** The change a device record sent up says it is. */
    static RecordChange change(long changedAtMs, long basedOnMs) {
        return new RecordChange(
                Instant.ofEpochMilli(changedAtMs), basedOnMs == 0 ? null : Instant.ofEpochMilli(basedOnMs));
    }

    /**
     * A conflict's record: which side's change was kept, both versions and their times.
     *
     * @param here {@code edge} or {@code cloud}: which node this is
     */
    static String conflict(DeviceRegistry.Conflict conflict, String here, String other) {
        ObjectNode document = JSON.createObjectNode();
        document.put("winner", conflict.keptHere() ? here : other);
        document.set("kept", record(conflict.kept()));
        document.set("lost", record(conflict.lost()));
        return document.toString();
    }

    private static String text(JsonNode document, String field) {
        JsonNode value = document.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
