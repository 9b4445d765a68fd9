package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a device's bytes become on disk. A message of 1,000 metrics sharing one 120,000-character
 * unit was once acknowledged and stored as 512 MB (3,800 times its size): a unit is now bounded like
 * any string a device sends, and kept once per series, not with every point.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StorageAmplificationIT {

    @TempDir
    static Path dir;

    static Node node;
    static Mqtt5BlockingClient device;

    @BeforeAll
    static void start() throws Exception {
        node = new Node(dir, Map.of());
        device = MqttClient.builder()
                .useMqttVersion5()
                .identifier("amp-1")
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .buildBlocking();
        device.connectWith()
                .simpleAuth()
                .username("amp-1")
                .password(node.register("amp-1").getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
    }

    @AfterAll
    static void stop() {
        if (device.getState().isConnected()) {
            device.disconnect();
        }
        node.close();
    }

    private static String message(String unit, int metrics, long ts) {
        StringBuilder json = new StringBuilder("{\"ts\":")
                .append(ts)
                .append(",\"unit\":\"")
                .append(unit)
                .append("\",\"values\":{");
        for (int i = 0; i < metrics; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("\"metric_")
                    .append(i)
                    .append("\":")
                    .append(i + 0.5);
        }
        return json.append("}}").toString();
    }

    private static Mqtt5PubAckReasonCode publish(String payload) {
        try {
            Mqtt5PublishResult result = device.publishWith()
                    .topic("sensor/amp-1/telemetry")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    @Order(1)
    void hugeUnit_isRefused_andNothingOfItIsStored() throws Exception {
        String attack = message("u".repeat(120_000), 1_000, System.currentTimeMillis() - 3_600_000);
        assertThat(attack.length()).isGreaterThan(130_000);
        assertThat(publish(attack)).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        assertThat(node.metric("edgeward_telemetry_rejected_total{reason=\"too_large\"}"))
                .isGreaterThanOrEqualTo(1_000);
        assertThat(node.get("/api/v1/devices/amp-1/telemetry/latest")
                        .path("metric_1")
                        .isMissingNode())
                .isTrue();
    }

    /** Many points with the longest unit allowed: bytes on disk grow with the points, at a bounded multiple of what was received. */
    @Test
    @Order(2) // last: it stops the node to measure settled files
    void acceptedTelemetry_bytesStoredPerByteReceived_stayBounded() throws Exception {
        long before = storedBytes();
        long received = 0;
        long start = System.currentTimeMillis() - 7_200_000;
        for (int m = 0; m < 60; m++) {
            String payload = message("u".repeat(32), 1_000, start + m * 1000L);
            received += payload.length();
            assertThat(publish(payload).isError()).isFalse();
        }
        JsonNode latest = node.get("/api/v1/devices/amp-1/telemetry/latest");
        assertThat(latest.toString()).contains("metric_999");
        device.disconnect();
        node.edgeward.stop(); // a clean stop merges the log and checkpoints the WAL into the database files
        long stored = storedBytes() - before;
        double ratio = (double) stored / received;
        System.out.printf(
                "storage amplification: %,d bytes received, %,d bytes stored, %.2fx%n", received, stored, ratio);
        assertThat(ratio).as("bytes stored per byte received").isLessThan(8.0);
    }

    private static long storedBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("edgeward"))
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }
}
