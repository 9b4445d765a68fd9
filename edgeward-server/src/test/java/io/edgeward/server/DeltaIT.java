package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delta releases end to end, with a patcher we did not write: the node computes a delta between
 * two releases, offers it in the MQTT notification of a device on the base version, and Debian's
 * {@code bspatch} turns the device's base image and the downloaded delta into the target, byte for
 * byte. A device on another version is offered the image only.
 */
class DeltaIT {

    @TempDir
    Path dir;

    Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    String upload(String version, byte[] image) throws Exception {
        return node.uploadFirmware("model=DL1&version=" + version, image);
    }

    /** The notification a device finds on its notify topic. */
    JsonNode notification(String device, String secret) throws Exception {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(device)
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(device)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        try (var publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith()
                    .topicFilter("device/" + device + "/ota/notify")
                    .send();
            return Node.JSON.readTree(
                    publishes.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes());
        } finally {
            client.disconnect();
        }
    }

    String register(String id, String version) throws Exception {
        HttpResponse<String> reply = node.send(
                "POST",
                "/api/v1/devices",
                "{\"device_id\":\"" + id + "\",\"model\":\"DL1\",\"firmware_version\":\"" + version + "\"}");
        return Node.JSON.readTree(reply.body()).at("/credentials/password").asText();
    }

    @Test
    void aDeviceOnTheBaseVersion_isOfferedTheDelta_andBspatchMakesTheTargetFromIt() throws Exception {
        assumeTrue(
                ExternalProcess.onPath("bspatch"), "bspatch not installed (apt-get install bsdiff); skipping DeltaIT");
        node = new Node(dir.resolve("node"), Map.of());
        byte[] base = new byte[400_000];
        new Random(12).nextBytes(base);
        byte[] target = base.clone();
        for (int i = 0; i < 400_000; i += 40_000) {
            target[i] = (byte) (target[i] + 1);
        }
        String from = upload("1.0.0", base);
        String to = upload("1.1.0", target);
        HttpResponse<String> created =
                node.send("POST", "/api/v1/firmware/" + to + "/deltas", "{\"from\":\"" + from + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long deltaSize = Node.JSON.readTree(created.body()).path("size").asLong();
        assertThat(deltaSize).isLessThan(target.length / 20);

        String onBase = register("dl-1", "1.0.0");
        String elsewhere = register("dl-2", "0.9.0");
        assertThat(node.send(
                                "POST",
                                "/api/v1/rollouts",
                                "{\"firmware_id\":\"" + to + "\",\"devices\":[\"dl-1\",\"dl-2\"]}")
                        .statusCode())
                .isEqualTo(201);

        JsonNode notice = notification("dl-1", onBase);
        JsonNode delta = notice.path("delta");
        assertThat(delta.path("format").asText()).isEqualTo("bsdiff40");
        assertThat(delta.path("base_version").asText()).isEqualTo("1.0.0");
        HttpResponse<byte[]> patch = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(delta.path("url").asText()))
                                .header("Authorization", "TargetToken " + onBase)
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(patch.statusCode()).isEqualTo(200);
        assertThat(patch.body()).hasSize((int) deltaSize);
        assertThat(sha256(patch.body())).isEqualTo(delta.path("sha256").asText());

        Path old = Files.write(dir.resolve("base.bin"), base);
        Path patchFile = Files.write(dir.resolve("delta.bsdiff"), patch.body());
        Path made = dir.resolve("made.bin");
        ExternalProcess bspatch =
                ExternalProcess.run(List.of("bspatch", old.toString(), made.toString(), patchFile.toString()));
        assertThat(bspatch.exitCode()).as(bspatch.stderr()).isZero();
        assertThat(sha256(Files.readAllBytes(made)))
                .isEqualTo(notice.path("sha256").asText());

        JsonNode other = notification("dl-2", elsewhere);
        assertThat(other.has("delta")).as("no delta from 0.9.0: the image only").isFalse();
        HttpResponse<String> none = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create(other.path("url").asText().replace("/firmware", "/delta")))
                                .header("Authorization", "TargetToken " + elsewhere)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(404);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
