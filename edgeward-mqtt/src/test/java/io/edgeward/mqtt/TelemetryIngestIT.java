package io.edgeward.mqtt;

import static io.edgeward.mqtt.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeward.core.device.Registration;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import io.edgeward.core.telemetry.proto.Reading;
import io.edgeward.core.telemetry.proto.TelemetryBatch;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Telemetry over a real broker socket: every format and QoS, both protocol versions, and refusals. */
class TelemetryIngestIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create();

    static int next;

    Registration dev;
    String id;
    Mqtt5BlockingClient client;
    Map<String, Double> before = new HashMap<>();

    /** Every test gets a device of its own on the shared broker. */
    @BeforeEach
    void connect() {
        id = "dev-" + (++next);
        dev = fx.register(id);
        client = Clients.device5(fx.broker.port(), id, dev.secret());
        for (String reason : List.of(
                "malformed", "wrong_type", "not_finite", "too_large", "timestamp_out_of_range", "device_mismatch")) {
            before.put(reason, fx.counter("edgeward.telemetry.rejected", "reason", reason));
        }
    }

    @AfterEach
    void disconnect() {
        client.disconnect();
    }

    private double rejected(String reason) {
        return fx.counter("edgeward.telemetry.rejected", "reason", reason) - before.get(reason);
    }

    private static void assertAccepted(Mqtt5PubAckReasonCode code) {
        // 0x10 "no matching subscribers" is a success: stored, nobody was listening.
        assertThat(code.isError()).as("PUBACK reason code %s", code).isFalse();
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    @ParameterizedTest
    @EnumSource(MqttQos.class)
    void mqtt5_everyQos_seedDocumentIsStored(MqttQos qos) {
        long ts = now() / 1000;
        client.publishWith()
                .topic("sensor/" + id + "/telemetry")
                .qos(qos)
                .payload(("{\"sensor_id\":\"" + id
                                + "\",\"type\":\"temperature\",\"value\":21.5,\"unit\":\"°C\",\"location\":\"lab\",\"timestamp\":"
                                + ts + "}")
                        .getBytes(StandardCharsets.UTF_8))
                .send();
        await().untilAsserted(() -> assertThat(fx.points(id, "temperature"))
                .containsExactly(new Point(dev.device().id(), "temperature", ts * 1000, Value.of(21.5), "°C")));
    }

    @ParameterizedTest
    @EnumSource(MqttQos.class)
    void mqtt311_everyQos_multiMetricDocumentIsStored(MqttQos qos) {
        Mqtt3BlockingClient v3 = Clients.device3(
                fx.broker.port(), id + "-v3", fx.register(id + "-v3").secret());
        long ts = now();
        v3.publishWith()
                .topic("sensor/" + id + "-v3/telemetry")
                .qos(qos)
                .payload(("{\"ts\":" + ts + ",\"values\":{\"temperature\":20.25,\"door\":true,\"mode\":\"eco\"}}")
                        .getBytes(StandardCharsets.UTF_8))
                .send();
        await().untilAsserted(() -> {
            assertThat(fx.points(id + "-v3", "temperature"))
                    .extracting(Point::value)
                    .containsExactly(Value.of(20.25));
            assertThat(fx.points(id + "-v3", "door")).extracting(Point::value).containsExactly(Value.of(true));
            assertThat(fx.points(id + "-v3", "mode")).extracting(Point::value).containsExactly(Value.of("eco"));
        });
        v3.disconnect();
    }

    @Test
    void qos1_pubAckArrivesOnlyOnceStored() {
        long ts = now();
        // The blocking publish returns on PUBACK; the point must be queryable at that instant, without waiting.
        assertAccepted(publish(client, "sensor/" + id + "/telemetry", "{\"ts\":" + ts + ",\"values\":{\"a\":1}}"));
        assertThat(fx.points(id, "a")).hasSize(1);
    }

    @Test
    void jsonArrayBatch_isStored() {
        long ts = now();
        assertAccepted(publish(
                client,
                "sensor/" + id + "/telemetry",
                "[{\"type\":\"t\",\"value\":1,\"timestamp\":" + (ts / 1000 - 2) + "},{\"ts\":" + ts
                        + ",\"values\":{\"t\":2}}]"));
        assertThat(fx.points(id, "t")).extracting(Point::value).containsExactly(Value.of(1), Value.of(2));
    }

    @Test
    void protobuf_bySuffixAndByContentType_isStored() {
        long ts = now();
        byte[] batch = TelemetryBatch.newBuilder()
                .addReadings(Reading.newBuilder()
                        .setTsMs(ts)
                        .putValues(
                                "humidity",
                                io.edgeward.core.telemetry.proto.Value.newBuilder()
                                        .setNumber(41.5)
                                        .build()))
                .build()
                .toByteArray();
        assertAccepted(publish(client, "sensor/" + id + "/telemetry/pb", batch, null));
        byte[] second = TelemetryBatch.newBuilder()
                .addReadings(Reading.newBuilder()
                        .setTsMs(ts + 1)
                        .putValues(
                                "humidity",
                                io.edgeward.core.telemetry.proto.Value.newBuilder()
                                        .setNumber(42)
                                        .build()))
                .build()
                .toByteArray();
        assertAccepted(publish(client, "sensor/" + id + "/telemetry", second, "application/x-protobuf"));
        assertThat(fx.points(id, "humidity")).extracting(Point::value).containsExactly(Value.of(41.5), Value.of(42));
    }

    @Test
    void invalidJson_isRefusedWith0x99_countedAndNextGoodMessageStored() {
        assertThat(publish(client, "sensor/" + id + "/telemetry", "{\"values\": oops"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(rejected("malformed")).isEqualTo(1);
        assertGoodMessageStillStored();
    }

    @Test
    void invalidProtobuf_isRefusedWith0x99() {
        assertThat(publish(client, "sensor/" + id + "/telemetry/pb", new byte[] {(byte) 0xff, 0x7f, 0x01}, null))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(rejected("malformed")).isEqualTo(1);
        assertGoodMessageStillStored();
    }

    @Test
    void wrongType_isRefusedWith0x99() {
        assertThat(publish(client, "sensor/" + id + "/telemetry", """
                {"values":{"a":[1,2]}}"""))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(rejected("wrong_type")).isEqualTo(1);
        assertGoodMessageStillStored();
    }

    @Test
    void nan_isRefused_goodPointInSameBatchStored() {
        long ts = now();
        String reason = Clients.reasonString(
                client, "sensor/" + id + "/telemetry", "{\"ts\":" + ts + ",\"values\":{\"good\":1,\"bad\":NaN}}");
        assertThat(reason).contains("stored 1 point(s)").contains("not_finite");
        assertThat(fx.points(id, "good")).hasSize(1);
        assertThat(fx.points(id, "bad")).isEmpty();
        assertThat(rejected("not_finite")).isEqualTo(1);
    }

    @Test
    void payloadOverLimit_isRefusedWith0x97() {
        String big = "{\"values\":{\"a\":\"" + "x".repeat(5000) + "\"}}";
        assertThat(publish(client, "sensor/" + id + "/telemetry", big)).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        assertThat(rejected("too_large")).isEqualTo(1);
        assertGoodMessageStillStored();
    }

    @Test
    void timestampFarInFuture_isRefused() {
        long future = now() + 10L * 365 * 24 * 3600 * 1000;
        assertThat(publish(client, "sensor/" + id + "/telemetry", "{\"ts\":" + future + ",\"values\":{\"a\":1}}"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(rejected("timestamp_out_of_range")).isEqualTo(1);
        assertGoodMessageStillStored();
    }

    @Test
    void payloadNamingAnotherDevice_isRefused() {
        assertThat(publish(client, "sensor/" + id + "/telemetry", """
                {"sensor_id":"dev-9","type":"t","value":1}"""))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(rejected("device_mismatch")).isEqualTo(1);
        assertGoodMessageStillStored();
    }

    @Test
    void mqtt311_badPayload_isNotStored_connectionAndPipelineKeepWorking() {
        Mqtt3BlockingClient v3 = Clients.device3(
                fx.broker.port(), id + "-v3", fx.register(id + "-v3").secret());
        v3.publishWith()
                .topic("sensor/" + id + "-v3/telemetry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("garbage".getBytes(StandardCharsets.UTF_8))
                .send();
        assertThat(rejected("malformed")).isEqualTo(1);
        v3.publishWith()
                .topic("sensor/" + id + "-v3/telemetry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(("""
                        {"values":{"ok":1}}""").getBytes(StandardCharsets.UTF_8))
                .send();
        assertThat(fx.points(id + "-v3", "ok")).hasSize(1);
        v3.disconnect();
    }

    @Test
    void metrics_countReceivedAndProcessed() {
        publish(client, "sensor/" + id + "/telemetry", """
                {"values":{"a":1,"b":2}}""");
        double received = fx.counter("iot.mqtt.messages.received");
        double processed = fx.counter("iot.edge.data.processed");
        double sensorPoints = fx.counter("iot.device.data.received", "type", "sensor");
        long latencies =
                fx.meters.find("iot.edge.processing.latency.ms").summary().count();
        publish(client, "sensor/" + id + "/telemetry", """
                {"values":{"c":1,"d":2}}""");
        assertThat(fx.counter("iot.mqtt.messages.received") - received).isEqualTo(1);
        assertThat(fx.counter("iot.edge.data.processed") - processed).isEqualTo(2);
        assertThat(fx.counter("iot.device.data.received", "type", "sensor") - sensorPoints)
                .isEqualTo(2);
        assertThat(fx.meters.find("iot.edge.processing.latency.ms").summary().count() - latencies)
                .isEqualTo(1);
    }

    private void assertGoodMessageStillStored() {
        long ts = now();
        assertAccepted(publish(client, "sensor/" + id + "/telemetry", "{\"ts\":" + ts + ",\"values\":{\"after\":7}}"));
        assertThat(fx.points(id, "after")).extracting(Point::value).containsExactly(Value.of(7));
    }
}
