package io.edgeward.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.telemetry.proto.Reading;
import io.edgeward.core.telemetry.proto.TelemetryBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryDecoderTest {

    private static final long NOW = 1_760_000_000_000L; // 2025-10-09
    private static final DeviceId DEV = DeviceId.of("dev-1");
    private final TelemetryDecoder decoder =
            new TelemetryDecoder(new TelemetryLimits(1024, 5, Duration.ofHours(1), 16));

    private Decoded json(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON);
    }

    private Decoded decode(byte[] payload, PayloadFormat format) {
        return decoder.decode(new TelemetryMessage(DEV, DeviceType.SENSOR, payload, format, NOW, 0));
    }

    /** Refused as a whole: no point kept, one malformed rejection. */
    private static void assertRefusedWhole(Decoded d) {
        assertThat(d.points()).isEmpty();
        assertThat(d.rejections()).singleElement().extracting(Rejection::reason).isEqualTo(RejectReason.MALFORMED);
    }

    @Test
    void seedDocument_secondsTimestamp_becomesOnePointInMillis() {
        Decoded d = json("""
                {"sensor_id":"dev-1","type":"temperature","value":21.5,"unit":"°C","location":"lab","timestamp":1759999990}""");
        assertThat(d.rejections()).isEmpty();
        assertThat(d.points()).containsExactly(new Point(DEV, "temperature", 1_759_999_990_000L, Value.of(21.5), "°C"));
    }

    @Test
    void seedDocument_fractionalSeconds_keepMilliseconds() {
        Decoded d = json("""
                {"type":"t","value":1,"timestamp":1759999990.123}""");
        assertThat(d.points()).singleElement().extracting(Point::timestamp).isEqualTo(1_759_999_990_123L);
    }

    @Test
    void seedDocument_millisecondsWhereSecondsBelong_areTakenAsMillis() {
        Decoded d = json("""
                {"type":"t","value":1,"timestamp":1759999990123}""");
        assertThat(d.points()).singleElement().extracting(Point::timestamp).isEqualTo(1_759_999_990_123L);
    }

    @Test
    void multiMetric_numbersBooleansStrings_allStoredWithTs() {
        Decoded d = json("""
                {"ts":1759999999000,"values":{"temperature":21.5,"door":true,"mode":"eco"}}""");
        assertThat(d.rejections()).isEmpty();
        assertThat(d.points())
                .containsExactlyInAnyOrder(
                        new Point(DEV, "temperature", 1_759_999_999_000L, Value.of(21.5), null),
                        new Point(DEV, "door", 1_759_999_999_000L, Value.of(true), null),
                        new Point(DEV, "mode", 1_759_999_999_000L, Value.of("eco"), null));
    }

    @Test
    void noTimestamp_getsArrivalTime() {
        Decoded d = json("""
                {"values":{"a":1}}""");
        assertThat(d.points()).singleElement().extracting(Point::timestamp).isEqualTo(NOW);
    }

    @Test
    void array_mixesBothShapes() {
        Decoded d = json("""
                [{"type":"a","value":1},{"values":{"b":2,"c":3}}]""");
        assertThat(d.points()).extracting(Point::metric).containsExactly("a", "b", "c");
    }

    @Test
    void invalidJson_refusesWholeMessageAsMalformed() {
        assertRefusedWhole(json("{\"values\":"));
    }

    @Test
    void nan_refusesThatPointOnly() {
        Decoded d = json("""
                {"values":{"good":1.5,"bad":NaN}}""");
        assertThat(d.points()).extracting(Point::metric).containsExactly("good");
        assertThat(d.rejections()).singleElement().extracting(Rejection::reason).isEqualTo(RejectReason.NOT_FINITE);
    }

    @Test
    void hugeExponent_isNotFinite() {
        Decoded d = json("""
                {"type":"t","value":1e400}""");
        assertThat(d.rejections()).singleElement().extracting(Rejection::reason).isEqualTo(RejectReason.NOT_FINITE);
    }

    @Test
    void wrongTypes_areRefusedWithReason() {
        assertThat(json("""
                {"values":{"a":{"nested":1}}}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.WRONG_TYPE);
        assertThat(json("""
                {"ts":"yesterday","values":{"a":1}}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.WRONG_TYPE);
        assertThat(json("""
                {"type":7,"value":1}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.WRONG_TYPE);
        assertThat(json("""
                {"values":{"a":null}}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.WRONG_TYPE);
    }

    @Test
    void farFutureTimestamp_isOutOfRange_butGoodPointInBatchSurvives() {
        long farFuture = NOW + Duration.ofDays(365).toMillis();
        Decoded d = json("[{\"ts\":" + farFuture + ",\"values\":{\"a\":1}},{\"values\":{\"b\":2}}]");
        assertThat(d.points()).extracting(Point::metric).containsExactly("b");
        assertThat(d.rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.TIMESTAMP_OUT_OF_RANGE);
    }

    @Test
    void timestampBefore2000_isOutOfRange() {
        assertThat(json("""
                {"type":"t","value":1,"timestamp":12}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.TIMESTAMP_OUT_OF_RANGE);
    }

    @Test
    void sensorIdOfAnotherDevice_isDeviceMismatch() {
        Decoded d = json("""
                [{"sensor_id":"dev-2","type":"t","value":1},{"sensor_id":"dev-1","type":"t","value":2}]""");
        assertThat(d.points()).singleElement().extracting(Point::value).isEqualTo(Value.of(2));
        assertThat(d.rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.DEVICE_MISMATCH);
    }

    @Test
    void oversizedPayload_isTooLarge_unread() {
        Decoded d = json("{\"values\":{\"a\":\"" + "x".repeat(2000) + "\"}}");
        assertThat(d.rejections()).singleElement().satisfies(r -> {
            assertThat(r.reason()).isEqualTo(RejectReason.TOO_LARGE);
            assertThat(r.detail()).contains("exceeds the limit of 1024");
        });
    }

    @Test
    void tooManyPoints_refusesWholeMessage() {
        Decoded d = json("""
                {"values":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}}""");
        assertThat(d.points()).isEmpty();
        assertThat(d.rejections()).singleElement().extracting(Rejection::reason).isEqualTo(RejectReason.TOO_LARGE);
    }

    @Test
    void longString_isTooLarge() {
        assertThat(json("{\"values\":{\"a\":\"" + "x".repeat(17) + "\"}}").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.TOO_LARGE);
    }

    @Test
    void badMetricName_isInvalidMetric() {
        assertThat(json("""
                {"values":{"a b/#":1}}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.INVALID_METRIC);
    }

    @Test
    void unknownShapeOrScalar_isMalformed() {
        assertRefusedWhole(json("""
                {"hello":1}"""));
        assertRefusedWhole(json("42"));
        assertRefusedWhole(json("[]"));
    }

    @Test
    void fieldsInAnyOrder_andUnknownNestedFields_decodeTheSame() {
        Decoded seed = json("""
                {"location":{"room":"lab","shelf":[1,2,{"x":null}]},"timestamp":1759999990,"value":21.5,"unit":"C",                "type":"temperature","sensor_id":"dev-1"}""");
        assertThat(seed.rejections()).isEmpty();
        assertThat(seed.points())
                .containsExactly(new Point(DEV, "temperature", 1_759_999_990_000L, Value.of(21.5), "C"));

        Decoded multi = json("""
                {"values":{"a":1},"ts":1759999999000}""");
        assertThat(multi.points()).singleElement().extracting(Point::timestamp).isEqualTo(1_759_999_999_000L);
    }

    @Test
    void fieldGivenTwice_theLastCounts_andAMetricKeepsItsFirstPlace() {
        assertThat(json("""
                {"type":"t","value":1,"value":2}""").points()).singleElement().extracting(Point::value).isEqualTo(Value.of(2));
        assertThat(json("""
                {"values":{"a":1,"b":2,"a":3}}""").points())
                .extracting(Point::metric, Point::value)
                .containsExactly(tuple("a", Value.of(3)), tuple("b", Value.of(2)));
    }

    @Test
    void valuesNotAnObject_isWrongType_andAValueNestedInAnArray_isWrongType() {
        assertThat(json("""
                {"values":[1,2]}""").rejections())
                .singleElement()
                .extracting(Rejection::reason)
                .isEqualTo(RejectReason.WRONG_TYPE);
        assertThat(json("""
                {"type":"t","value":[1]}""").rejections())
                .singleElement()
                .satisfies(r -> assertThat(r.detail()).endsWith("got array"));
    }

    @Test
    void documentBrokenAfterGoodPoints_refusesThemAll() {
        assertRefusedWhole(json("[{\"type\":\"a\",\"value\":1},{\"type\":\"b\",\"value\":"));
    }

    @Test
    void cbor_sameShapes_andTruncated_isMalformed() throws Exception {
        byte[] cbor = new CBORMapper()
                .writeValueAsBytes(Map.of("ts", 1_759_999_999_000L, "values", Map.of("humidity", 40.5)));
        assertThat(decode(cbor, PayloadFormat.CBOR).points())
                .containsExactly(new Point(DEV, "humidity", 1_759_999_999_000L, Value.of(40.5), null));

        assertRefusedWhole(decode(Arrays.copyOf(cbor, cbor.length - 3), PayloadFormat.CBOR));
    }

    @Test
    void protobuf_sameShapes_decodeToPoints() {
        TelemetryBatch batch = TelemetryBatch.newBuilder()
                .addReadings(Reading.newBuilder()
                        .setSensorId("dev-1")
                        .setTsMs(1_759_999_999_000L)
                        .setUnit("%")
                        .putValues(
                                "humidity",
                                io.edgeward.core.telemetry.proto.Value.newBuilder()
                                        .setNumber(40)
                                        .build()))
                .addReadings(Reading.newBuilder()
                        .putValues(
                                "door",
                                io.edgeward.core.telemetry.proto.Value.newBuilder()
                                        .setBoolean(true)
                                        .build())
                        .putValues(
                                "bad",
                                io.edgeward.core.telemetry.proto.Value.newBuilder()
                                        .setNumber(Double.NaN)
                                        .build()))
                .build();
        Decoded d = decode(batch.toByteArray(), PayloadFormat.PROTOBUF);
        assertThat(d.points())
                .containsExactlyInAnyOrder(
                        new Point(DEV, "humidity", 1_759_999_999_000L, Value.of(40), "%"),
                        new Point(DEV, "door", NOW, Value.of(true), null));
        assertThat(d.rejections()).singleElement().extracting(Rejection::reason).isEqualTo(RejectReason.NOT_FINITE);
    }

    @Test
    void protobuf_garbage_isMalformed() {
        assertRefusedWhole(decode(new byte[] {(byte) 0xff, 0x01, 0x02}, PayloadFormat.PROTOBUF));
    }

    /** A unit is bounded like a string value, in every format: one long unit shared by many metrics was 3,800x amplification. */
    @Test
    void overlongUnit_refusesItsPoints_inJsonCborAndProtobuf() throws Exception {
        String unit = "u".repeat(TelemetryLimits.DEFAULT_MAX_UNIT_LENGTH + 1);
        Decoded fromJson = json("{\"unit\":\"" + unit + "\",\"values\":{\"a\":1,\"b\":2}}");
        Decoded fromCbor = decode(
                new CBORMapper().writeValueAsBytes(Map.of("unit", unit, "values", Map.of("a", 1))), PayloadFormat.CBOR);
        Decoded fromProtobuf = decode(
                TelemetryBatch.newBuilder()
                        .addReadings(Reading.newBuilder()
                                .setUnit(unit)
                                .putValues(
                                        "a",
                                        io.edgeward.core.telemetry.proto.Value.newBuilder()
                                                .setNumber(1)
                                                .build()))
                        .build()
                        .toByteArray(),
                PayloadFormat.PROTOBUF);
        for (Decoded d : List.of(fromJson, fromCbor, fromProtobuf)) {
            assertThat(d.points()).isEmpty();
            assertThat(d.rejections()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.reason()).isEqualTo(RejectReason.TOO_LARGE);
                assertThat(r.detail()).contains("unit longer than 32");
            });
        }
        String longest = "u".repeat(TelemetryLimits.DEFAULT_MAX_UNIT_LENGTH);
        assertThat(json("{\"unit\":\"" + longest + "\",\"values\":{\"a\":1}}").points())
                .singleElement()
                .extracting(Point::unit)
                .isEqualTo(longest);
    }
}
