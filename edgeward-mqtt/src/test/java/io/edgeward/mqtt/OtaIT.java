package io.edgeward.mqtt;

import static io.edgeward.mqtt.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Registration;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareUpload;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.NewRollout;
import io.edgeward.core.ota.RolloutTarget;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OTA over MQTT: the retained notification a device finds when it subscribes, signed so that the
 * device can check it; progress reports and their refusals in the PUBACK's reason code.
 */
class OtaIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create();

    static Registration device(String id) {
        return fx.registry.register(
                new NewDevice(DeviceId.of(id), null, DeviceType.SENSOR, "T100", "1.0.0", null, Map.of(), Set.of()));
    }

    static String rollout(String model, String version, String... devices) throws Exception {
        Firmware firmware = fx.firmwares.add(
                new FirmwareUpload(model, version, null, null, null, null, null),
                new ByteArrayInputStream(("image " + version).getBytes(StandardCharsets.UTF_8)));
        fx.rollouts.create(
                new NewRollout(
                        null,
                        firmware.id(),
                        new RolloutTarget(
                                List.of(devices).stream().map(DeviceId::of).toList(), null, null, null, null),
                        null,
                        null,
                        null,
                        false),
                "test");
        return firmware.id();
    }

    static boolean verifies(String publicKeyPem, String manifest, String signature) throws Exception {
        String base64 = publicKeyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var key = KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(manifest.getBytes(StandardCharsets.UTF_8));
        return verifier.verify(Base64.getDecoder().decode(signature));
    }

    static double notYours() {
        return fx.meters
                .get("edgeward.ota.refused")
                .tag("reason", "not-yours")
                .counter()
                .count();
    }

    /** 0x10 "no matching subscribers" is a success too: stored, nobody was listening. */
    static void accepted(Mqtt5PubAckReasonCode code) {
        assertThat(code.isError()).as("PUBACK reason code %s", code).isFalse();
    }

    @Test
    void aDeviceFindsItsSignedNotification_reportsProgress_andTheNotificationIsClearedWhenItCompletes()
            throws Exception {
        Registration registration = device("ota-1");
        String firmwareId = rollout("T100", "2.0.0", "ota-1");
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "ota-1", registration.secret());
        Inbox inbox = Inbox.subscribe(client, "device/ota-1/ota/notify");

        JsonNode notice = inbox.next("device/ota-1/ota/notify");
        String jobId = notice.path("job_id").asText();
        assertThat(notice.path("firmware_id").asText()).isEqualTo(firmwareId);
        assertThat(notice.path("version").asText()).isEqualTo("2.0.0");
        assertThat(notice.path("url").asText()).isEqualTo("http://127.0.0.1:1/ota/v1/jobs/" + jobId + "/firmware");
        assertThat(verifies(
                        fx.firmwares.signingKey().publicKeyPem(),
                        notice.path("manifest").asText(),
                        notice.path("signature").asText()))
                .as("the manifest verifies with the node's public key")
                .isTrue();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(notice.path("manifest").asText())
                        .path("sha256")
                        .asText())
                .isEqualTo(notice.path("sha256").asText());

        String topic = "device/ota-1/ota/progress";
        assertThat(publish(client, topic, "{\"job_id\":\"" + jobId + "\",\"status\":\"downloading\",\"progress\":40}"))
                .satisfies(OtaIT::accepted);
        assertThat(fx.rollouts.job(jobId).progress()).isEqualTo(40);
        assertThat(publish(client, topic, "{\"job_id\":\"" + jobId + "\",\"status\":\"completed\"}"))
                .satisfies(OtaIT::accepted);

        assertThat(fx.rollouts.job(jobId).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(fx.registry.get("ota-1").firmwareVersion()).isEqualTo("2.0.0");
        client.disconnect();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Mqtt5BlockingClient again = Clients.device5(fx.broker.port(), "ota-1", registration.secret());
            try {
                assertThat(Inbox.subscribe(again, "device/ota-1/ota/notify")
                                .silentOn("device/ota-1/ota/notify", Duration.ofMillis(500)))
                        .as("the retained notification is gone once the job ended")
                        .isTrue();
            } finally {
                again.disconnect();
            }
        });
    }

    @Test
    void anImageFetchedInMqttChunks_acrossAReconnect_hasTheManifestsHash_andRequestsPastTheEndAreRefused()
            throws Exception {
        Registration registration = device("ota-4");
        Registration stranger = device("ota-5");
        byte[] image = new byte[10_000];
        new java.util.Random(4).nextBytes(image);
        Firmware firmware = fx.firmwares.add(
                new FirmwareUpload("T100", "2.0.2", null, null, null, null, null), new ByteArrayInputStream(image));
        fx.rollouts.create(
                new NewRollout(
                        null,
                        firmware.id(),
                        new RolloutTarget(List.of(DeviceId.of("ota-4")), null, null, null, null),
                        null,
                        null,
                        null,
                        false),
                "test");
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "ota-4", registration.secret());
        JsonNode notice = Inbox.subscribe(client, "device/ota-4/ota/notify").next("device/ota-4/ota/notify");
        String jobId = notice.path("job_id").asText();
        int chunks = 10; // 1,000-byte chunks: the image's 10,000 bytes
        int cut = java.util.concurrent.ThreadLocalRandom.current().nextInt(1, chunks);
        for (int n = 0; n < chunks; n++) {
            if (n == cut) { // cut before a chunk of its own each run: a new connection carries on from it
                client.disconnect();
                client = Clients.device5(fx.broker.port(), "ota-4", registration.secret());
            }
            received.write(chunk(client, jobId, n, 1000));
        }
        assertThat(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(received.toByteArray())))
                .isEqualTo(notice.path("sha256").asText());

        assertThat(publish(
                        client,
                        "device/ota-4/ota/chunk/request",
                        "{\"job_id\":\"" + jobId + "\",\"chunk\":10,\"size\":1000}"))
                .as("past the end")
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(publish(
                        client,
                        "device/ota-4/ota/chunk/request",
                        "{\"job_id\":\"" + jobId + "\",\"chunk\":0,\"size\":10}"))
                .as("a chunk size below 256")
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        Mqtt5BlockingClient other = Clients.device5(fx.broker.port(), "ota-5", stranger.secret());
        assertThat(publish(other, "device/ota-5/ota/chunk/request", "{\"job_id\":\"" + jobId + "\",\"chunk\":0}"))
                .as("another device's job")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        other.disconnect();
        client.disconnect();
    }

    /** Requests chunk {@code n} and returns its bytes, as they arrive on the device's chunk topic. */
    static byte[] chunk(Mqtt5BlockingClient client, String jobId, int n, int size) throws Exception {
        java.util.concurrent.CompletableFuture<byte[]> arrived = new java.util.concurrent.CompletableFuture<>();
        String topic = "device/" + client.getConfig().getClientIdentifier().get() + "/ota/chunk/" + n;
        client.toAsync()
                .subscribeWith()
                .topicFilter(topic)
                .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                .callback(publish -> arrived.complete(publish.getPayloadAsBytes()))
                .send()
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(publish(
                        client,
                        "device/" + client.getConfig().getClientIdentifier().get() + "/ota/chunk/request",
                        "{\"job_id\":\"" + jobId + "\",\"chunk\":" + n + ",\"size\":" + size + "}"))
                .satisfies(OtaIT::accepted);
        byte[] bytes = arrived.get(5, java.util.concurrent.TimeUnit.SECONDS);
        client.toAsync().unsubscribeWith().topicFilter(topic).send().get(5, java.util.concurrent.TimeUnit.SECONDS);
        return bytes;
    }

    @Test
    void malformedReports_anotherDevicesJob_andPublishingOnTheNotifyTopic_areRefusedInThePuback() throws Exception {
        Registration owner = device("ota-2");
        Registration stranger = device("ota-3");
        rollout("T100", "2.0.1", "ota-2");
        Mqtt5BlockingClient ownerClient = Clients.device5(fx.broker.port(), "ota-2", owner.secret());
        String jobId = Inbox.subscribe(ownerClient, "device/ota-2/ota/notify")
                .next("device/ota-2/ota/notify")
                .path("job_id")
                .asText();
        Mqtt5BlockingClient strangerClient = Clients.device5(fx.broker.port(), "ota-3", stranger.secret());
        double refusedBefore = notYours();

        assertThat(publish(ownerClient, "device/ota-2/ota/progress", "{\"job_id\": oops"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(publish(
                        ownerClient,
                        "device/ota-2/ota/progress",
                        "{\"job_id\":\"" + jobId + "\",\"status\":\"flying\"}"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(publish(
                        ownerClient,
                        "device/ota-2/ota/progress",
                        "{\"job_id\":\"" + jobId + "\",\"status\":\"downloading\",\"progress\":140}"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(publish(
                        strangerClient,
                        "device/ota-3/ota/progress",
                        "{\"job_id\":\"" + jobId + "\",\"status\":\"completed\"}"))
                .as("another device's job")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(publish(ownerClient, "device/ota-2/ota/notify", "{\"job_id\":\"forged\"}"))
                .as("the notify topic is the platform's")
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);

        assertThat(fx.rollouts.job(jobId).status()).isEqualTo(JobStatus.PENDING);
        assertThat(notYours() - refusedBefore).isEqualTo(1);
        ownerClient.disconnect();
        strangerClient.disconnect();
    }
}
