package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeward.device.OtaAgent;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an A/B device (the SDK's {@link OtaAgent}) refuses, and what the node refuses to serve: a
 * manifest not signed by the key the device trusts, a manifest changed after signing, a downgrade,
 * and an image changed on the node's disk. Each ends the job failed, with the reason, and nothing
 * installed.
 */
class OtaAttacksIT {

    @TempDir
    Path dir;

    Node node;
    String firmware;
    final OtaAgent.Counts counts = new OtaAgent.Counts();

    @BeforeEach
    void start() throws Exception {
        node = new Node(dir.resolve("node"), Map.of());
        byte[] image = new byte[100_000];
        new Random(2).nextBytes(image);
        firmware = node.uploadFirmware("model=ATK&version=2.0.0", image);
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** A device on MQTT running {@code slot}, trusting {@code key}; its notification is handed back, not acted on. */
    record Device(String id, Mqtt5AsyncClient client, OtaAgent agent, OtaAgent.Slots slots, byte[] notice) {}

    Device device(String id, String slot, PublicKey key) throws Exception {
        HttpResponse<String> reply = node.send(
                "POST",
                "/api/v1/devices",
                "{\"device_id\":\"" + id + "\",\"model\":\"ATK\",\"firmware_version\":\"1.0.0\"}");
        String secret =
                Node.JSON.readTree(reply.body()).at("/credentials/password").asText();
        Mqtt5AsyncClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildAsync();
        client.connect().get(10, TimeUnit.SECONDS);
        OtaAgent.Slots slots = new OtaAgent.Slots(slot);
        OtaAgent agent = new OtaAgent(
                id,
                secret,
                client,
                key,
                slots,
                0,
                new SplittableRandom(1),
                HttpClient.newHttpClient(),
                counts,
                v -> {});
        assertThat(node.send(
                                "POST",
                                "/api/v1/rollouts",
                                "{\"firmware_id\":\"" + firmware + "\",\"devices\":[\"" + id + "\"]}")
                        .statusCode())
                .isEqualTo(201);
        CompletableFuture<byte[]> notice = new CompletableFuture<>();
        client.subscribeWith()
                .topicFilter(agent.notifyTopic())
                .callback(publish -> notice.complete(publish.getPayloadAsBytes()))
                .send()
                .get(10, TimeUnit.SECONDS);
        return new Device(id, client, agent, slots, notice.get(10, TimeUnit.SECONDS));
    }

    PublicKey nodeKey() throws Exception {
        return OtaAgent.publicKey(
                node.get("/api/v1/firmware/signing-key").path("public_key_pem").asText());
    }

    JsonNode job(String device) throws Exception {
        return node.get("/api/v1/devices/" + device + "/ota/jobs").path("jobs").get(0);
    }

    void awaitFailed(Device device, String reason) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode job = job(device.id());
            assertThat(job.path("status").asText()).isEqualTo("failed");
            assertThat(job.path("reason").asText()).contains(reason);
        });
        assertThat(device.slots().active()).as("still on its old image").isNotEqualTo("2.0.0");
        device.client().disconnect();
    }

    @Test
    void aManifestSignedByAnotherKey_isRefusedByTheDevice() throws Exception {
        PublicKey other =
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        Device device = device("atk-key", "1.0.0", other);
        device.agent().notified(device.notice());
        awaitFailed(device, "signature does not verify");
    }

    @Test
    void aManifestChangedAfterSigning_isRefusedByTheDevice() throws Exception {
        Device device = device("atk-manifest", "1.0.0", nodeKey());
        ObjectNode notice = (ObjectNode) Node.JSON.readTree(device.notice());
        notice.put("manifest", notice.path("manifest").asText().replace("\"2.0.0\"", "\"9.0.0\""));
        device.agent().notified(Node.JSON.writeValueAsBytes(notice));
        awaitFailed(device, "signature does not verify");
    }

    @Test
    void aDowngrade_isRefusedByADeviceThatRunsANewerImage() throws Exception {
        Device device = device("atk-down", "3.1.0", nodeKey());
        device.agent().notified(device.notice());
        awaitFailed(device, "refusing a downgrade from 3.1.0 to 2.0.0");
    }

    @Test
    void anImageChangedOnTheNodesDisk_isNotServed_andTheJobFails() throws Exception {
        Device device = device("atk-disk", "1.0.0", nodeKey());
        String sha256 = Node.JSON.readTree(device.notice()).path("sha256").asText();
        Path file = dir.resolve("node/firmware/sha256")
                .resolve(sha256.substring(0, 2))
                .resolve(sha256);
        byte[] bytes = Files.readAllBytes(file);
        bytes[500] ^= 1;
        Files.write(file, bytes);
        device.agent().notified(device.notice());
        awaitFailed(device, "download failed: HTTP 500");
        assertThat(node.metric("edgeward_firmware_corrupt_total")).isPositive();
    }
}
