package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edge's outbox on its own: over its disk quota with the link down (low evicted first, counted,
 * high intact), and forwarding the seed's JSON documents to a broker a user runs (Debian's
 * Mosquitto, started here; skipped with a message when it is not installed).
 */
class SyncOutboxIT {

    @TempDir
    Path dir;

    private PlatformProcess edge;
    private Process mosquitto;

    @AfterEach
    void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (mosquitto != null) {
            mosquitto.destroyForcibly().waitFor();
        }
    }

    @Test
    void outboxOverItsQuota_withTheLinkDown_evictsLowFirst_countsIt_andKeepsEveryHighRecord() throws Exception {
        int nothingListens = freePort();
        edge = new PlatformProcess(
                dir,
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-q",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + nothingListens,
                        "sync.uplink.password", "unused-secret",
                        "sync.outbox.max-disk", "16KiB",
                        "sync.forward.overrides", "[{\"match\": {\"metric\": \"alarm_*\"}, \"priority\": \"high\"}]"));
        JsonNode ports = edge.start();
        String secret = edge.register("dev-q");
        int highPoints = 0;
        try (var device = connect(ports.get("mqtt").asInt(), "dev-q", secret)) {
            for (int i = 0; i < 1500; i++) {
                String values = i % 10 == 0 ? "{\"seq\":" + i + ",\"alarm_level\":" + i + "}" : "{\"seq\":" + i + "}";
                highPoints += i % 10 == 0 ? 1 : 0;
                device.client
                        .publishWith()
                        .topic("sensor/dev-q/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"ts\":" + (1_700_000_000_000L + i) + ",\"values\":" + values + "}")
                                .getBytes(StandardCharsets.UTF_8))
                        .send();
            }
        }
        int high = highPoints;
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode streams = edge.get("/api/v1/sync").get("streams");
                    JsonNode low = stream(streams, "low");
                    assertThat(low.get("evicted_records").asLong())
                            .as("low records evicted")
                            .isPositive();
                    assertThat(stream(streams, "high").get("backlog_records").asLong())
                            .as("every high record kept, and the eviction reported on the high stream")
                            .isGreaterThan(high);
                    assertThat(stream(streams, "high").get("evicted_records").asLong())
                            .isZero();
                });
        JsonNode status = edge.get("/api/v1/sync");
        assertThat(status.get("link").asText()).isEqualTo("down");
        assertThat(status.get("last_error").asText()).isNotBlank();
        String metrics = edge.send("GET", "/metrics", null).body();
        assertThat(metrics).containsPattern("edgeward_sync_evicted_records_total\\{stream=\"low\"\\} [1-9]");
        assertThat(metrics).containsPattern("iot_data_sync_failed_total [1-9]");
        assertThat(metrics).contains("iot_data_sync_cached ");
    }

    @Test
    void jsonFrames_toMosquitto_carryTheSeedsDocumentsForEveryPoint() throws Exception {
        forwardsEveryPointToMosquitto(false);
    }

    /** mqtts:// with sync.uplink.tls.ca-file: Mosquitto's TLS listener, a certificate made here with openssl. */
    @Test
    void overTls_toMosquitto_everyPointArrives() throws Exception {
        assumeTrue(TestCertificate.available(), "openssl not installed; skipping the TLS uplink test");
        forwardsEveryPointToMosquitto(true);
    }

    private void forwardsEveryPointToMosquitto(boolean tls) throws Exception {
        assumeTrue(
                ExternalProcess.onPath("mosquitto"),
                "mosquitto not installed (apt-get install mosquitto); skipping the foreign-broker uplink test");
        int port = freePort();
        int tlsPort = freePort();
        String listeners = "listener " + port + " 127.0.0.1\nallow_anonymous true\n";
        TestCertificate certificate = null;
        if (tls) {
            certificate = TestCertificate.make(dir);
            listeners += "listener " + tlsPort + " 127.0.0.1\ncertfile " + certificate.cert() + "\nkeyfile "
                    + certificate.key() + "\n";
        }
        String caFile = certificate == null ? "" : certificate.cert().toString();
        Path conf = Files.writeString(
                dir.resolve("mosquitto.conf"),
                "per_listener_settings false\n" + listeners + "persistence false\nuser root\n");
        mosquitto = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        for (int listening : tls ? new int[] {port, tlsPort} : new int[] {port}) {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                try (Socket socket = new Socket("127.0.0.1", listening)) {
                    return true;
                }
            });
        }
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        Mqtt5BlockingClient consumer = MqttClient.builder()
                .useMqttVersion5()
                .identifier("cloud-consumer")
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        consumer.connect();
        consumer.toAsync()
                .subscribeWith()
                .topicFilter("plant/+/telemetry/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    try {
                        JsonNode frame = PlatformProcess.JSON.readTree(publish.getPayloadAsBytes());
                        assertThat(frame.get("edge_id").asText()).isEqualTo("edge-j");
                        for (JsonNode record : frame.get("records")) {
                            if (record.path("type").asText().equals("seq")) {
                                assertThat(record.get("sensor_id").asText()).isEqualTo("dev-j");
                                assertThat(record.get("timestamp").asDouble()).isPositive();
                                seen.add(record.get("value").asLong());
                            }
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .send()
                .get();

        Path edgeDir = Files.createDirectories(dir.resolve("edge"));
        edge = new PlatformProcess(
                edgeDir,
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-j",
                        "sync.uplink.url", tls ? "mqtts://127.0.0.1:" + tlsPort : "mqtt://127.0.0.1:" + port,
                        "sync.uplink.tls.ca-file", caFile,
                        "sync.uplink.format", "json",
                        "sync.uplink.topic", "plant/{edge}/telemetry/{stream}",
                        "sync.interval.low", "0s"));
        JsonNode ports = edge.start();
        String secret = edge.register("dev-j");
        try (var device = connect(ports.get("mqtt").asInt(), "dev-j", secret)) {
            for (int i = 0; i < 200; i++) {
                device.client
                        .publishWith()
                        .topic("sensor/dev-j/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"ts\":" + (1_700_000_000_000L + i) + ",\"values\":{\"seq\":" + i + "}}")
                                .getBytes(StandardCharsets.UTF_8))
                        .send();
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(seen).hasSize(200));
        assertThat(edge.get("/api/v1/sync").get("uplink").asText()).startsWith(tls ? "mqtts://" : "mqtt://");
        consumer.disconnect();
    }

    /**
     * A row the other side will never take (over Mosquitto's max_packet_size even alone) is parked with
     * the reason, counted, and the stream behind it goes on.
     */
    @Test
    void aRowTheBrokerRefuses_isParked_andThePointsAfterItStillArrive() throws Exception {
        assumeTrue(
                ExternalProcess.onPath("mosquitto"),
                "mosquitto not installed (apt-get install mosquitto); skipping the parking test");
        int port = freePort();
        Path conf = Files.writeString(
                dir.resolve("mosquitto.conf"),
                "listener " + port
                        + " 127.0.0.1\nallow_anonymous true\nmax_packet_size 4096\npersistence false\nuser root\n");
        mosquitto = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return true;
            }
        });
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        Mqtt5BlockingClient consumer = MqttClient.builder()
                .useMqttVersion5()
                .identifier("park-consumer")
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        consumer.connect();
        consumer.toAsync()
                .subscribeWith()
                .topicFilter("edge/+/sync/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    try {
                        for (JsonNode record : PlatformProcess.JSON
                                .readTree(publish.getPayloadAsBytes())
                                .get("records")) {
                            if (record.path("type").asText().equals("seq")) {
                                seen.add(record.get("value").asLong());
                            }
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .send()
                .get();
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-p",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + port,
                        "sync.uplink.format", "json",
                        "sync.compression", "none",
                        "sync.interval.low", "0s"));
        JsonNode ports = edge.start();
        String secret = edge.register("dev-p");
        try (var device = connect(ports.get("mqtt").asInt(), "dev-p", secret)) {
            publish(device, "{\"ts\":1700000000000,\"values\":{\"seq\":0}}");
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(0L));
            // One message whose row alone is over the broker's limit, then small ones again.
            String text = "x".repeat(3000);
            publish(
                    device,
                    "{\"ts\":1700000000001,\"values\":{\"a\":\"" + text + "\",\"b\":\"" + text + "\",\"c\":\"" + text
                            + "\"}}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> edge.get("/api/v1/sync/parked").get("parked").size() == 1);
            for (int i = 1; i <= 20; i++) {
                publish(device, "{\"ts\":" + (1_700_000_000_001L + i) + ",\"values\":{\"seq\":" + i + "}}");
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(seen).as("the stream went on past the parked row").hasSize(21);
            JsonNode parked = edge.get("/api/v1/sync/parked").get("parked");
            assertThat(parked).singleElement().satisfies(row -> {
                assertThat(row.get("stream").asText()).isEqualTo("low");
                assertThat(row.get("reason").asText()).contains("maximum packet size");
            });
        });
        assertThat(edge.get("/api/v1/sync").get("parked").asInt()).isEqualTo(1);
        assertThat(edge.send("GET", "/metrics", null).body())
                .containsPattern("edgeward_sync_parked_records_total\\{stream=\"low\"\\} [1-9]");
        consumer.disconnect();
    }

    private static void publish(Device device, String payload) {
        device.client
                .publishWith()
                .topic("sensor/dev-p/telemetry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static JsonNode stream(JsonNode streams, String name) {
        for (JsonNode stream : streams) {
            if (stream.get("stream").asText().equals(name)) {
                return stream;
            }
        }
        throw new AssertionError("no stream " + name + " in " + streams);
    }

    private record Device(Mqtt5BlockingClient client) implements AutoCloseable {
        @Override
        public void close() {
            client.disconnect();
        }
    }

    private static Device connect(int port, String id, String secret) {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        client.connect();
        return new Device(client);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
