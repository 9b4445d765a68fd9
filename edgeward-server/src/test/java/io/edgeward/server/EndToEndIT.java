package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeward.core.telemetry.proto.Reading;
import io.edgeward.core.telemetry.proto.TelemetryBatch;
import io.edgeward.core.telemetry.proto.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole node on real sockets: register over REST, connect over MQTT 3.1.1 and 5, publish every
 * format at every QoS, read it back over REST.
 */
class EndToEndIT {

    @TempDir
    static Path dir;

    static Node node;

    @BeforeAll
    static void start() throws Exception {
        node = new Node(dir, Map.of());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void startUp_writesPortsAndAPrivateAdminToken() throws Exception {
        JsonNode ports = Node.JSON.readTree(dir.resolve("ports.json").toFile());
        assertThat(ports.get("mqtt").asInt()).isEqualTo(node.mqttPort).isPositive();
        assertThat(ports.get("http").asInt()).isEqualTo(node.httpPort).isPositive();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("admin-token"))))
                .isEqualTo("rw-------");
        assertThat(node.token).hasSizeGreaterThanOrEqualTo(40);
        assertThat(node.get("/ready").at("/status").asText()).isEqualTo("UP");
    }

    /** /ready asks the broker as a device would; the probe is neither counted nor logged as a refusal. */
    @Test
    void ready_probesTheBrokerThroughItsAuthenticator_withoutCountingARefusal() throws Exception {
        String refusals = "edgeward_mqtt_connect_refused_total{reason=\"anonymous_disabled\"}";
        double before = node.metric(refusals);
        JsonNode ready = node.get("/ready");
        assertThat(ready.at("/status").asText()).isEqualTo("UP");
        assertThat(ready.at("/checks/broker").asText()).isEqualTo("UP");
        assertThat(ready.at("/checks/pipeline").asText()).isEqualTo("UP");
        assertThat(node.metric(refusals)).isEqualTo(before);
    }

    @Test
    void everyFormat_everyQos_bothProtocolVersions_isStoredAndQueryable() throws Exception {
        String v5 = "e2e-v5";
        String v3 = "e2e-v3";
        Mqtt5BlockingClient client5 = MqttClient.builder()
                .useMqttVersion5()
                .identifier(v5)
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .buildBlocking();
        client5.connectWith()
                .simpleAuth()
                .username(v5)
                .password(node.register(v5).getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        Mqtt3BlockingClient client3 = MqttClient.builder()
                .useMqttVersion3()
                .identifier(v3)
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .buildBlocking();
        client3.connectWith()
                .simpleAuth()
                .username(v3)
                .password(node.register(v3).getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();

        long base = System.currentTimeMillis() - 60_000;
        List<Double> expected = new ArrayList<>();
        int n = 0;
        for (MqttQos qos : MqttQos.values()) {
            for (String format : List.of("seed", "multi", "array", "pb-suffix", "pb-content-type")) {
                long ts = base + (n++) * 1000L;
                double value = n;
                expected.add(value);
                for (String device : List.of(v5, v3)) {
                    Payload p = payload(format, device, ts, value);
                    if (device.equals(v5)) {
                        var publish =
                                client5.publishWith().topic(p.topic).qos(qos).payload(p.bytes);
                        if (p.contentType != null) {
                            publish.contentType(p.contentType);
                        }
                        publish.send();
                    } else if (p.contentType == null) {
                        client3.publishWith()
                                .topic(p.topic)
                                .qos(qos)
                                .payload(p.bytes)
                                .send();
                    } else {
                        // MQTT 3.1.1 has no content type: the /pb topic is its way to say Protobuf.
                        client3.publishWith()
                                .topic(p.topic + "/pb")
                                .qos(qos)
                                .payload(p.bytes)
                                .send();
                    }
                }
            }
        }
        for (String device : List.of(v5, v3)) {
            await().untilAsserted(() -> {
                JsonNode series = node.get("/api/v1/devices/" + device + "/telemetry?metric=temperature&from="
                        + (base - 1) + "&to=" + (base + 100_000));
                List<Double> values = new ArrayList<>();
                series.get("points").forEach(p -> values.add(p.get("value").asDouble()));
                assertThat(values).as(device).containsExactlyElementsOf(expected);
            });
            JsonNode latest = node.get("/api/v1/devices/" + device + "/telemetry/latest");
            assertThat(latest.at("/metrics/temperature/value").asDouble()).isEqualTo(expected.get(expected.size() - 1));
            assertThat(latest.at("/metrics/door/value").asBoolean()).isTrue();
            JsonNode listed = node.get("/api/v1/devices?limit=1000");
            assertThat(listed.get("items")).anySatisfy(d -> {
                assertThat(d.get("device_id").asText()).isEqualTo(device);
                assertThat(d.get("last_seen").isNull()).isFalse();
            });
        }
        client5.disconnect();
        client3.disconnect();
    }

    @Test
    void metrics_useTheSeedNames() throws Exception {
        String id = "e2e-metrics";
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(id)
                .password(node.register(id).getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        double processed = node.metric("iot_edge_data_processed_total");
        client.publishWith()
                .topic("sensor/" + id + "/telemetry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("""
                        {"values":{"a":1,"b":2}}""".getBytes(StandardCharsets.UTF_8))
                .send();
        assertThat(node.metric("iot_edge_data_processed_total") - processed).isEqualTo(2);
        String metrics = node.metrics();
        assertThat(metrics)
                .contains(
                        "iot_device_total{status=\"online\",type=\"sensor\"}",
                        "# TYPE iot_device_total gauge",
                        "edgeward_devices_online",
                        "iot_mqtt_messages_received_total",
                        "iot_mqtt_messages_published_total",
                        "iot_device_data_received_total{type=\"sensor\"}",
                        "iot_edge_processing_latency_ms_bucket",
                        "edgeward_pipeline_queue_depth",
                        "edgeward_pipeline_commit_batch_messages",
                        "edgeward_telemetry_rejected_total",
                        "jvm_memory_used_bytes",
                        "process_cpu_usage",
                        "process_uptime_seconds");
        client.disconnect();
    }

    record Payload(String topic, byte[] bytes, String contentType) {}

    /** The same reading (temperature = value, door = true) in each accepted shape. */
    static Payload payload(String format, String device, long ts, double value) {
        String topic = "sensor/" + device + "/telemetry";
        return switch (format) {
            case "seed" ->
                new Payload(
                        topic,
                        ("[{\"sensor_id\":\"" + device + "\",\"type\":\"temperature\",\"value\":" + value
                                        + ",\"unit\":\"°C\",\"location\":\"lab\",\"timestamp\":" + (ts / 1000.0)
                                        + "},{\"type\":\"door\",\"value\":true,\"timestamp\":"
                                        + (ts / 1000.0) + "}]")
                                .getBytes(StandardCharsets.UTF_8),
                        null);
            case "multi" ->
                new Payload(
                        topic,
                        ("{\"ts\":" + ts + ",\"values\":{\"temperature\":" + value + ",\"door\":true}}")
                                .getBytes(StandardCharsets.UTF_8),
                        null);
            case "array" ->
                new Payload(
                        topic,
                        ("[{\"ts\":" + ts + ",\"values\":{\"temperature\":" + value + "}},{\"ts\":" + ts
                                        + ",\"values\":{\"door\":true}}]")
                                .getBytes(StandardCharsets.UTF_8),
                        null);
            case "pb-suffix" -> new Payload(topic + "/pb", protobuf(device, ts, value), null);
            default -> new Payload(topic, protobuf(device, ts, value), "application/x-protobuf");
        };
    }

    static byte[] protobuf(String device, long ts, double value) {
        return TelemetryBatch.newBuilder()
                .addReadings(Reading.newBuilder()
                        .setSensorId(device)
                        .setTsMs(ts)
                        .putValues(
                                "temperature",
                                Value.newBuilder().setNumber(value).build())
                        .putValues("door", Value.newBuilder().setBoolean(true).build()))
                .build()
                .toByteArray();
    }
}
