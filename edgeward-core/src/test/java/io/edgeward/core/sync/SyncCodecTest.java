package io.edgeward.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.sync.proto.SyncFrame;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.StreamRecord;
import io.edgeward.core.telemetry.Value;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyncCodecTest {

    private static final DeviceId DEVICE = DeviceId.of("d-1");

    private static List<OutboxEntry> rows(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> {
                    OutboxSegment segment = SyncCodec.segment(
                            Priority.LOW,
                            List.of(
                                    SyncCodec.point(
                                            new Point(DEVICE, "temperature", 1_000L + i, new Value.Num(i), "C")),
                                    SyncCodec.point(
                                            new Point(DEVICE, "door", 1_000L + i, new Value.Bool(i % 2 == 0), null)),
                                    SyncCodec.derived(StreamRecord.of(
                                            StreamRecord.Kind.WINDOW,
                                            "t_1m",
                                            new Point(DEVICE, "t_1m.mean", 0, new Value.Num(1.5), "C")))));
                    return new OutboxEntry(10L + i, Priority.LOW, 5_000L + i, segment.records(), segment.payload());
                })
                .toList();
    }

    @ParameterizedTest
    @EnumSource(SyncSettings.Compression.class)
    void frame_decodesToItsSegmentsAndRecords(SyncSettings.Compression compression) {
        byte[] frame = SyncCodec.frame("edge-1", Priority.LOW, rows(3), compression);

        SyncCodec.Decoded decoded = SyncCodec.decode(frame);

        assertThat(decoded.edgeId()).isEqualTo("edge-1");
        assertThat(decoded.stream()).isEqualTo(Priority.LOW);
        assertThat(decoded.firstSeq()).isEqualTo(10);
        assertThat(decoded.lastSeq()).isEqualTo(12);
        assertThat(decoded.segments())
                .extracting(SyncCodec.ReceivedSegment::seq)
                .containsExactly(10L, 11L, 12L);
        assertThat(decoded.segments().get(1).createdAt()).isEqualTo(5_001);
        var records = decoded.segments().get(1).records();
        assertThat(records).hasSize(3);
        assertThat(SyncCodec.toPoint(records.get(0).getPoint()))
                .isEqualTo(new Point(DEVICE, "temperature", 1_001, new Value.Num(1), "C"));
        assertThat(SyncCodec.toPoint(records.get(1).getPoint()))
                .isEqualTo(new Point(DEVICE, "door", 1_001, new Value.Bool(false), null));
        assertThat(records.get(2).getDerived().getSource()).isEqualTo("t_1m");
    }

    @Test
    void compressedFrames_areSmallerThanTheirRecords() {
        List<OutboxEntry> rows = rows(200);
        int plain = SyncCodec.frame("e", Priority.LOW, rows, SyncSettings.Compression.NONE).length;
        assertThat(SyncCodec.frame("e", Priority.LOW, rows, SyncSettings.Compression.GZIP).length)
                .isLessThan(plain / 3);
        assertThat(SyncCodec.frame("e", Priority.LOW, rows, SyncSettings.Compression.ZSTD).length)
                .isLessThan(plain / 3);
    }

    @Test
    void garbage_anUnknownStream_aBombAndNoSegments_areRefused() {
        assertThatThrownBy(() -> SyncCodec.decode(new byte[] {(byte) 0xff, 1, 2}))
                .isInstanceOf(SyncCodec.MalformedFrameException.class);
        byte[] unknownStream = SyncFrame.newBuilder()
                .setEdgeId("e")
                .setStream("urgent")
                .build()
                .toByteArray();
        assertThatThrownBy(() -> SyncCodec.decode(unknownStream))
                .isInstanceOf(SyncCodec.MalformedFrameException.class)
                .hasMessageContaining("urgent");
        byte[] bomb = SyncFrame.newBuilder()
                .setEdgeId("e")
                .setStream("low")
                .setCompression(io.edgeward.core.sync.proto.Compression.COMPRESSION_GZIP)
                .setBody(com.google.protobuf.ByteString.copyFrom(
                        SyncCodec.compress(new byte[SyncCodec.MAX_INFLATED + 1], SyncSettings.Compression.GZIP)))
                .build()
                .toByteArray();
        assertThat(bomb.length).isLessThan(200_000);
        assertThatThrownBy(() -> SyncCodec.decode(bomb))
                .isInstanceOf(SyncCodec.MalformedFrameException.class)
                .hasMessageContaining("inflates past");
        byte[] empty =
                SyncFrame.newBuilder().setEdgeId("e").setStream("high").build().toByteArray();
        assertThatThrownBy(() -> SyncCodec.decode(empty))
                .isInstanceOf(SyncCodec.MalformedFrameException.class)
                .hasMessageContaining("without segments");
    }

    @Test
    void jsonFrame_carriesTheSeedsTelemetryDocument() throws Exception {
        byte[] frame = SyncJson.frame("edge-1", Priority.LOW, rows(1));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(frame);
        assertThat(json.get("edge_id").asText()).isEqualTo("edge-1");
        var first = json.get("records").get(0);
        assertThat(first.get("sensor_id").asText()).isEqualTo("d-1");
        assertThat(first.get("type").asText()).isEqualTo("temperature");
        assertThat(first.get("value").asDouble()).isZero();
        assertThat(first.get("unit").asText()).isEqualTo("C");
        assertThat(first.get("timestamp").asDouble()).isEqualTo(1.0);
    }
}
