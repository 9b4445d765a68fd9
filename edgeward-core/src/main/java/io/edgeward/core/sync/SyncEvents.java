package io.edgeward.core.sync;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.sync.proto.DeviceRecord;
import io.edgeward.core.sync.proto.EventRecord;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.sync.proto.StatusRecord;
import java.util.List;

/** The high stream's records for what is not telemetry. */
final class SyncEvents {

    private SyncEvents() {}

    static OutboxSegment evicted(Priority stream, Backlog evicted, long at) {
        String json = "{\"stream\":\"" + stream.wireName() + "\",\"records\":" + evicted.records() + ",\"bytes\":"
                + evicted.bytes() + ",\"severity\":\"major\"}";
        return SyncCodec.segment(
                Priority.HIGH,
                List.of(Record.newBuilder()
                        .setEvent(EventRecord.newBuilder()
                                .setKind("sync.evicted")
                                .setAtMs(at)
                                .setJson(json))
                        .build()));
    }

    static Record event(String kind, String device, long at, String json) {
        EventRecord.Builder event =
                EventRecord.newBuilder().setKind(kind).setAtMs(at).setJson(json);
        if (device != null) {
            event.setDevice(device);
        }
        return Record.newBuilder().setEvent(event).build();
    }

    /** The device's record, with when it changed (the newer of two versions wins at the other side). */
    static Record device(Device device) {
        DeviceRecord.Builder record = DeviceRecord.newBuilder()
                .setId(device.id().value())
                .setType(device.type().wireName())
                .setRegisteredAtMs(device.registeredAt().toEpochMilli())
                .setChangedAtMs(device.updatedAt().toEpochMilli())
                .setBasedOnMs(device.basedOn() == null ? 0 : device.basedOn().toEpochMilli())
                .addAllTags(device.tags().stream().sorted().toList());
        if (device.name() != null) {
            record.setName(device.name());
        }
        if (device.model() != null) {
            record.setModel(device.model());
        }
        if (device.firmwareVersion() != null) {
            record.setFirmwareVersion(device.firmwareVersion());
        }
        if (device.location() != null) {
            record.setLocation(device.location());
        }
        if (!device.metadata().isEmpty()) {
            record.setMetadataJson(Json.write(device.metadata()));
        }
        return Record.newBuilder().setDevice(record).build();
    }

    static Record deleted(DeviceId device, long at) {
        return Record.newBuilder()
                .setDevice(DeviceRecord.newBuilder()
                        .setId(device.value())
                        .setDeleted(true)
                        .setChangedAtMs(at))
                .build();
    }

    static Record status(DeviceId device, DeviceStatus status, long at) {
        return Record.newBuilder()
                .setStatus(StatusRecord.newBuilder()
                        .setDevice(device.value())
                        .setStatus(status.wireName())
                        .setAtMs(at))
                .build();
    }

    /** Jackson for the device's metadata. */
    static final class Json {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
                new com.fasterxml.jackson.databind.ObjectMapper();

        private Json() {}

        static String write(Object value) {
            try {
                return MAPPER.writeValueAsString(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }
}
