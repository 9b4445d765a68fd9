package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device driven by a CoAP client we did not write: libcoap's coap-client (Debian libcoap3-bin),
 * plain with the access token in the path and over DTLS with the PSK. Skipped with a message when
 * it is not installed; .ci/run installs it.
 */
class LibcoapClientsIT {

    private static final String PLAIN = "coap-client-notls";
    private static final String DTLS = "coap-client-openssl";

    @TempDir
    static Path dir;

    static Node node;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(
                ExternalProcess.onPath(PLAIN) && ExternalProcess.onPath(DTLS),
                "coap-client-notls/coap-client-openssl not installed (apt-get install libcoap3-bin); skipping the libcoap interoperability tests");
        node = new Node(dir, Map.of("coap.plain-token-auth", "true"));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static String plain(JsonNode credentials, String path) {
        return "coap://127.0.0.1:" + node.coapPort + "/api/v1/"
                + credentials.get("password").asText() + path;
    }

    private static List<String> dtls(JsonNode credentials, String key, String... args) {
        List<String> command = new ArrayList<>(List.of(
                DTLS, "-B", "5", "-u", credentials.get("coap_psk_identity").asText(), "-k", key));
        command.addAll(List.of(args));
        return command;
    }

    private static String secure(String path) {
        return "coaps://127.0.0.1:" + node.coapsPort + path;
    }

    @Test
    void telemetry_postedPlainAndOverDtls_isStored_andReadBack() throws Exception {
        JsonNode device = node.credentials("lc-tel");
        ExternalProcess post = ExternalProcess.run(List.of(
                PLAIN,
                "-B",
                "5",
                "-m",
                "post",
                "-t",
                "50",
                "-e",
                "{\"sensor_id\":\"lc-tel\",\"type\":\"temperature\",\"value\":21.5,\"unit\":\"°C\",\"timestamp\":"
                        + (System.currentTimeMillis() / 1000 - 5) + "}",
                plain(device, "/telemetry")));
        assertThat(post.exitCode()).as(post.stderr()).isZero();
        assertThat(post.stderr()).doesNotContain("4.", "5.");
        ExternalProcess secured = ExternalProcess.run(dtls(
                device, device.get("coap_psk").asText(), "-m", "post", "-t", "50", "-e", """
                        {"values":{"humidity":40}}""", secure("/telemetry")));
        assertThat(secured.exitCode()).as(secured.stderr()).isZero();

        JsonNode latest = node.get("/api/v1/devices/lc-tel/telemetry/latest");
        assertThat(latest.toString()).contains("temperature", "21.5", "humidity");

        ExternalProcess read = ExternalProcess.run(
                List.of(PLAIN, "-B", "5", "-m", "get", plain(device, "/sensors/lc-tel/temperature")));
        assertThat(Node.JSON.readTree(read.stdout()).get("value").asDouble()).isEqualTo(21.5);

        ExternalProcess bad = ExternalProcess.run(
                List.of(PLAIN, "-B", "5", "-m", "post", "-t", "50", "-e", "{\"values\":", plain(device, "/telemetry")));
        assertThat(bad.stdout() + bad.stderr()).contains("4.00");
        assertThat(node.metric("iot_coap_requests_total{code=\"4.00\"}")).isPositive();
    }

    @Test
    void discovery_plainAndOverDtls_listsTheDevicesResources() throws Exception {
        JsonNode device = node.credentials("lc-disc");
        ExternalProcess over = ExternalProcess.run(
                dtls(device, device.get("coap_psk").asText(), "-m", "get", secure("/.well-known/core")));
        assertThat(over.exitCode()).as(over.stderr()).isZero();
        assertThat(over.stdout())
                .contains(
                        "</telemetry>;rt=\"edgeward.telemetry\"",
                        "</shadow>;rt=\"edgeward.shadow\";if=\"core.rp\";ct=50;obs",
                        "</commands>;",
                        "</shadow/reported>;");
        ExternalProcess plainly =
                ExternalProcess.run(List.of(PLAIN, "-B", "5", "-m", "get", plain(device, "/.well-known/core")));
        assertThat(plainly.stdout())
                .contains("</api/v1/" + device.get("password").asText() + "/telemetry>");
    }

    @Test
    void dtls_wrongKey_getsNothing_rightKeyGetsTheShadow() throws Exception {
        JsonNode device = node.credentials("lc-psk");
        ExternalProcess wrong = ExternalProcess.run(dtls(device, "not-the-key", "-m", "get", secure("/shadow")));
        assertThat(wrong.stdout()).doesNotContain("\"version\"");
        ExternalProcess right =
                ExternalProcess.run(dtls(device, device.get("coap_psk").asText(), "-m", "get", secure("/shadow")));
        assertThat(right.exitCode()).as(right.stderr()).isZero();
        assertThat(Node.JSON.readTree(right.stdout()).get("version").asLong()).isZero();
    }

    @Test
    void blockwise_batchUpload_isStoredWhole() throws Exception {
        JsonNode device = node.credentials("lc-block");
        long ts = System.currentTimeMillis() - 600_000;
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 300; i++) {
            batch.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"vibration\",\"value\":")
                    .append(i)
                    .append(",\"timestamp\":")
                    .append((ts + i * 1000) / 1000.0)
                    .append('}');
        }
        Path file = dir.resolve("batch.json");
        Files.writeString(file, batch.append(']'), StandardCharsets.UTF_8);
        assertThat(Files.size(file)).isGreaterThan(10_000);
        ExternalProcess post = ExternalProcess.run(List.of(
                PLAIN,
                "-B",
                "10",
                "-m",
                "post",
                "-b",
                "256",
                "-t",
                "50",
                "-f",
                file.toString(),
                plain(device, "/telemetry")));
        assertThat(post.exitCode()).as(post.stderr()).isZero();
        JsonNode points = node.get("/api/v1/devices/lc-block/telemetry?metric=vibration&from=" + (ts - 1000) + "&to="
                + (ts + 400_000) + "&limit=1000");
        assertThat(points.get("points")).hasSize(300);
        assertThat(node.metric("iot_coap_requests_total{code=\"2.31\"}")).isGreaterThan(30);
    }

    @Test
    void observe_shadow_isNotifiedOfADesiredChange() throws Exception {
        JsonNode device = node.credentials("lc-obs");
        Process observe = new ProcessBuilder(
                        dtls(device, device.get("coap_psk").asText(), "-s", "6", "-m", "get", secure("/shadow")))
                .redirectErrorStream(true)
                .start();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.metric("edgeward_coap_observers{resource=\"shadow\"}") >= 1);
        assertThat(node.send("PATCH", "/api/v1/devices/lc-obs/shadow", """
                {"state":{"desired":{"target_temperature":23}}}""").statusCode())
                .isEqualTo(200);
        assertThat(observe.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(observe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).contains("\"version\":0").contains("\"delta\":{\"target_temperature\":23}");
    }

    @Test
    void observe_commands_deliversACommand_answeredWithCoapClient() throws Exception {
        JsonNode device = node.credentials("lc-cmd");
        JsonNode accepted = Node.JSON.readTree(
                node.send("POST", "/api/v1/devices/lc-cmd/commands", """
                        {"type":"set_temperature","parameters":{"temperature":22.5},"timeout":"30s"}""").body());
        String commandId = accepted.get("command_id").asText();
        Process observe = new ProcessBuilder(
                        dtls(device, device.get("coap_psk").asText(), "-s", "4", "-m", "get", secure("/commands")))
                .redirectErrorStream(true)
                .start();
        assertThat(observe.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(observe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).contains(commandId, "set_temperature");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.get("/api/v1/devices/lc-cmd/commands/" + commandId)
                        .get("status")
                        .asText()
                        .equals("delivered"));

        ExternalProcess answer = ExternalProcess.run(dtls(
                device,
                device.get("coap_psk").asText(),
                "-m",
                "post",
                "-t",
                "50",
                "-e",
                """
                        {"status":"success","message":"done"}""",
                secure("/commands/" + commandId + "/response")));
        assertThat(answer.stdout()).contains("succeeded");
        assertThat(node.get("/api/v1/devices/lc-cmd/commands/" + commandId)
                        .get("status")
                        .asText())
                .isEqualTo("succeeded");
    }

    @Test
    void firmware_fetchedBlockwise_resumedFromAnyBlock_andReported() throws Exception {
        java.net.http.HttpResponse<String> registered = node.send(
                "POST",
                "/api/v1/devices",
                "{\"device_id\":\"lc-fw\",\"model\":\"LC1\",\"firmware_version\":\"1.0.0\"}");
        JsonNode device = Node.JSON.readTree(registered.body()).get("credentials");
        byte[] image = new byte[50_000];
        new java.util.Random(8).nextBytes(image);
        String firmware = node.uploadFirmware("model=LC1&version=2.0.0", image);
        assertThat(node.send(
                                "POST",
                                "/api/v1/rollouts",
                                "{\"firmware_id\":\"" + firmware + "\",\"devices\":[\"lc-fw\"]}")
                        .statusCode())
                .isEqualTo(201);

        ExternalProcess offer = ExternalProcess.run(List.of(PLAIN, "-B", "5", "-m", "get", plain(device, "/firmware")));
        JsonNode notice = Node.JSON.readTree(offer.stdout());
        assertThat(notice.path("firmware_id").asText()).isEqualTo(firmware);
        assertThat(notice.path("url").asText()).isEqualTo("/firmware/image");

        Path whole = dir.resolve("lc-fw.bin");
        ExternalProcess fetched = ExternalProcess.run(List.of(
                PLAIN,
                "-B",
                "10",
                "-b",
                "1024",
                "-m",
                "get",
                "-o",
                whole.toString(),
                plain(device, "/firmware/image")));
        assertThat(fetched.exitCode()).as(fetched.stderr()).isZero();
        assertThat(java.nio.file.Files.readAllBytes(whole)).isEqualTo(image);

        // A transfer cut before a block of its own each run goes on from that block: each block is asked
        // for by number (this coap-client fetches just the block it is given), and the parts make the image.
        int cut = java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 48);
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        joined.write(image, 0, cut * 1024);
        Path block = dir.resolve("lc-fw.block");
        for (int n = cut; n * 1024 < image.length; n++) {
            ExternalProcess resumed = ExternalProcess.run(List.of(
                    PLAIN,
                    "-B",
                    "5",
                    "-b",
                    n + ",1024",
                    "-m",
                    "get",
                    "-o",
                    block.toString(),
                    plain(device, "/firmware/image")));
            assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
            joined.write(java.nio.file.Files.readAllBytes(block));
        }
        assertThat(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(joined.toByteArray())))
                .isEqualTo(notice.path("sha256").asText());

        ExternalProcess past = ExternalProcess.run(
                List.of(PLAIN, "-B", "5", "-b", "100,1024", "-m", "get", plain(device, "/firmware/image")));
        assertThat(past.stdout() + past.stderr()).contains("4.02");

        JsonNode stranger = node.credentials("lc-fw-other");
        ExternalProcess foreign = ExternalProcess.run(List.of(
                PLAIN,
                "-B",
                "5",
                "-m",
                "post",
                "-t",
                "50",
                "-e",
                "{\"job_id\":\"" + notice.path("job_id").asText() + "\",\"status\":\"completed\"}",
                plain(stranger, "/firmware/progress")));
        assertThat(foreign.stdout() + foreign.stderr())
                .as("another device's job")
                .contains("4.03");
        ExternalProcess none =
                ExternalProcess.run(List.of(PLAIN, "-B", "5", "-m", "get", plain(stranger, "/firmware")));
        assertThat(none.stdout() + none.stderr()).as("no update for it").contains("4.04");

        ExternalProcess report = ExternalProcess.run(List.of(
                PLAIN,
                "-B",
                "5",
                "-m",
                "post",
                "-t",
                "50",
                "-e",
                "{\"job_id\":\"" + notice.path("job_id").asText() + "\",\"status\":\"completed\"}",
                plain(device, "/firmware/progress")));
        assertThat(report.stdout()).contains("\"status\":\"completed\"");
        assertThat(node.get("/api/v1/devices/lc-fw").path("firmware_version").asText())
                .isEqualTo("2.0.0");
        ExternalProcess over = ExternalProcess.run(List.of(PLAIN, "-B", "5", "-m", "get", plain(device, "/firmware")));
        assertThat(over.stdout() + over.stderr()).as("the job is over").contains("4.04");
    }
}
