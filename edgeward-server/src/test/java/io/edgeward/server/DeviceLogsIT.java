package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device logs on {@code device/{id}/log}: a line is acknowledged once stored and listed newest
 * first; a malformed message is refused with 0x99, a device over {@code logs.max-rate} with 0x97,
 * another device's topic with 0x87, each counted. At an edge the lines, and the edge's own warnings,
 * reach the cloud on the low stream after the link was cut (each once: {@code SyncContract}).
 */
class DeviceLogsIT {

    @TempDir
    Path dir;

    private Node node;
    private PlatformProcess cloud;
    private PlatformProcess edge;
    private LinkProxy link;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {node, edge, cloud, link}) {
            if (part != null) {
                part.close();
            }
        }
    }

    private static Mqtt5BlockingClient connect(int port, String id, String secret) {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return client;
    }

    /** The PUBACK's reason (success, or no subscribers: stored either way). */
    private static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient device, String topic, String payload) {
        try {
            Mqtt5PublishResult result = device.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    void logLines_areStoredAndListed_andWhatIsWrongIsRefusedWithAReasonAndCounted() throws Exception {
        node = new Node(dir, Map.of("logs.max-rate", "2"));
        Mqtt5BlockingClient device = connect(node.mqttPort, "log-1", node.register("log-1"));
        node.register("log-2");

        assertThat(publish(
                        device,
                        "device/log-1/log",
                        "{\"level\": \"warn\", \"message\": \"valve 3 slow\", \"fields\": {\"valve\": 3}}"))
                .matches(code -> !code.isError(), "accepted");
        assertThat(publish(device, "device/log-1/log", "booted\nlink up")).matches(code -> !code.isError(), "accepted");
        JsonNode lines = node.get("/api/v1/devices/log-1/logs").get("items");
        assertThat(lines)
                .extracting(line -> line.get("message").asText())
                .containsExactly("link up", "booted", "valve 3 slow");
        assertThat(lines.get(2).get("level").asText()).isEqualTo("warn");
        assertThat(lines.get(2).at("/fields/valve").asInt()).isEqualTo(3);
        assertThat(node.get("/api/v1/devices/log-1/logs?level=warn").get("items"))
                .hasSize(1);
        assertThat(node.get("/api/v1/logs?device=log-1&limit=1")
                        .get("next_before")
                        .asLong())
                .isPositive();

        assertThat(publish(device, "device/log-1/log", "{\"message\": 42}"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(publish(device, "device/log-2/log", "not mine"))
                .as("another device's log")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        // Two lines a second, twenty at once: a burst of 30 goes over.
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            burst.append("line ").append(i).append('\n');
        }
        assertThat(publish(device, "device/log-1/log", burst.toString()))
                .isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        assertThat(node.metric("edgeward_device_logs_refused_total{reason=\"malformed\"}"))
                .isEqualTo(1);
        assertThat(node.metric("edgeward_device_logs_refused_total{reason=\"rate\"}"))
                .isEqualTo(1);
        assertThat(node.metric("edgeward_device_logs_total{level=\"info\"}")).isEqualTo(2);
        assertThat(node.get("/api/v1/devices/log-1/logs").get("items"))
                .as("nothing refused was stored")
                .hasSize(3);
        assertThat(node.send("GET", "/api/v1/devices/nobody/logs", null).statusCode())
                .isEqualTo(404);
        assertThat(node.send("GET", "/api/v1/logs?level=loud", null).statusCode())
                .isEqualTo(400);
        device.disconnect();
    }

    @Test
    void atAnEdge_deviceLinesAndTheEdgesOwnWarnings_reachTheCloudOnce() throws Exception {
        int cloudMqtt = freePort();
        cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of("mqtt.port", String.valueOf(cloudMqtt), "sync.role", "cloud"));
        cloud.start();
        HttpResponse<String> gateway =
                cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-l\",\"type\":\"gateway\"}");
        assertThat(gateway.statusCode()).as(gateway.body()).isEqualTo(201);
        link = new LinkProxy(cloudMqtt);
        // Cut from the start: the edge warns that it cannot reach the cloud.
        link.cut();
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-l",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + link.port(),
                        "sync.uplink.password",
                                PlatformProcess.JSON
                                        .readTree(gateway.body())
                                        .at("/credentials/password")
                                        .asText(),
                        "sync.interval.low", "1s",
                        "sync.backoff.max", "1s"));
        JsonNode ports = edge.start();
        String secret = edge.register("log-e");
        Mqtt5BlockingClient device = connect(ports.get("mqtt").asInt(), "log-e", secret);
        for (int i = 0; i < 5; i++) {
            assertThat(publish(device, "device/log-e/log", "{\"level\": \"error\", \"message\": \"fault " + i + "\"}"))
                    .matches(code -> !code.isError(), "accepted");
        }
        device.disconnect();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> edge.get("/api/v1/logs?device=edge-l").get("items").size() > 0);

        link.restore();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode lines = cloud.get("/api/v1/devices/log-e/logs").get("items");
            assertThat(lines)
                    .extracting(line -> line.get("message").asText())
                    .containsExactly("fault 4", "fault 3", "fault 2", "fault 1", "fault 0");
            assertThat(lines.get(0).get("edge").asText()).isEqualTo("edge-l");
            assertThat(cloud.get("/api/v1/devices/edge-l/logs?level=warn").get("items"))
                    .as("the edge's own warnings, under its gateway device")
                    .isNotEmpty();
        });
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
