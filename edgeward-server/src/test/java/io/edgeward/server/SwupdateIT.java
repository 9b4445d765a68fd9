package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test of the hawkBit DDI API: Debian's SWUpdate, in suricatta mode, is the device.
 * It polls the node, downloads a CMS-signed {@code .swu}, installs it with its rawfile handler into
 * a temporary directory, and (restarted with {@code -c 2}, as after the reboot into the new image)
 * reports success; the job completes and the device is at the new version.
 */
class SwupdateIT {

    @TempDir
    Path dir;

    Node node;
    Swupdate swupdate;
    final byte[] payload = new byte[300_000];

    @BeforeEach
    void start() throws Exception {
        String missing = Swupdate.missing();
        Assumptions.assumeTrue(missing == null, () -> "SwupdateIT skipped: " + missing);
        new Random(7).nextBytes(payload);
        node = new Node(dir.resolve("node"), Map.of("ota.ddi.poll-interval", "1s"));
        swupdate = new Swupdate(dir.resolve("swupdate"));
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    String register(String id) throws Exception {
        HttpResponse<String> reply = node.send(
                "POST",
                "/api/v1/devices",
                "{\"device_id\":\"" + id
                        + "\",\"type\":\"gateway\",\"model\":\"edgeward-swu\",\"firmware_version\":\"1.0.0\"}");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
        return Node.JSON.readTree(reply.body()).at("/credentials/password").asText();
    }

    /** Uploads the image as release {@code version} and rolls it out to {@code device}; returns the rollout id. */
    String rollOut(Path swu, String version, String device) throws Exception {
        String firmware = node.uploadFirmware(
                "model=edgeward-swu&filename=update.swu&version=" + version, Files.readAllBytes(swu));
        HttpResponse<String> rollout = node.send(
                "POST", "/api/v1/rollouts", "{\"firmware_id\":\"" + firmware + "\",\"devices\":[\"" + device + "\"]}");
        assertThat(rollout.statusCode()).as(rollout.body()).isEqualTo(201);
        return Node.JSON.readTree(rollout.body()).path("id").asText();
    }

    JsonNode job(String rollout) throws Exception {
        return node.get("/api/v1/rollouts/" + rollout + "/jobs").path("jobs").get(0);
    }

    String url() {
        return "http://127.0.0.1:" + node.httpPort;
    }

    @Test
    void swupdateInstallsTheRelease_confirmsAfterTheReboot_andTheDeviceIsAtTheNewVersion() throws Exception {
        String secret = register("swu-1");
        Path installed = dir.resolve("rootfs/payload.bin");
        Files.createDirectories(installed.getParent());
        String rollout = rollOut(swupdate.image("good", "2.0.0", payload, installed, false), "2.0.0", "swu-1");

        try (Swupdate.Client first = swupdate.start("first", url(), "swu-1", secret, null)) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast(() -> !first.process.isAlive())
                    .until(() -> Files.exists(installed)
                            && job(rollout).path("status").asText().equals("installing"));
            assertThat(Files.readAllBytes(installed)).isEqualTo(payload);
        }
        assertThat(job(rollout).path("status").asText())
                .as("installed, not yet confirmed: the action stays offered")
                .isEqualTo("installing");

        try (Swupdate.Client rebooted = swupdate.start("rebooted", url(), "swu-1", secret, "2")) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> job(rollout).path("status").asText().equals("completed"));
        }
        assertThat(node.get("/api/v1/devices/swu-1").path("firmware_version").asText())
                .isEqualTo("2.0.0");
        assertThat(node.get("/api/v1/rollouts/" + rollout).path("status").asText())
                .isEqualTo("finished");
        assertThat(job(rollout).path("steps").fieldNames())
                .toIterable()
                .contains("pending", "downloading", "installing", "completed");
    }

    @Test
    void anImageWhosePayloadDoesNotMatchItsSha256_failsTheJobWithSwupdatesReason() throws Exception {
        String secret = register("swu-2");
        Path installed = dir.resolve("rootfs2/payload.bin");
        Files.createDirectories(installed.getParent());
        String rollout = rollOut(swupdate.image("bad", "2.0.0", payload, installed, true), "2.0.0", "swu-2");

        String log;
        try (Swupdate.Client client = swupdate.start("bad", url(), "swu-2", secret, null)) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> job(rollout).path("status").asText().equals("failed"));
            log = client.output();
        }
        assertThat(job(rollout).path("reason").asText()).as(log).containsIgnoringCase("hash");
        assertThat(Files.exists(installed)).isFalse();
    }

    @Test
    void aDownloadCutInTheMiddle_resumesWithRange_andInstalls() throws Exception {
        String secret = register("swu-3");
        Path installed = dir.resolve("rootfs3/payload.bin");
        Files.createDirectories(installed.getParent());
        byte[] large = new byte[3_000_000];
        new Random(11).nextBytes(large);
        String rollout = rollOut(swupdate.image("large", "2.0.0", large, installed, false), "2.0.0", "swu-3");

        // Cut at a point of its own each run, anywhere but the first and last 100 kB.
        long cutAt = java.util.concurrent.ThreadLocalRandom.current().nextLong(100_000, large.length - 100_000);
        try (CuttingProxy proxy = new CuttingProxy(node.httpPort, cutAt);
                Swupdate.Client client =
                        swupdate.start("cut", "http://127.0.0.1:" + proxy.port(), "swu-3", secret, null)) {
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast(() -> !client.process.isAlive())
                    .until(() -> Files.exists(installed)
                            && job(rollout).path("status").asText().equals("installing"));
            assertThat(proxy.cuts.get())
                    .as("the first download was cut (at byte %d)", cutAt)
                    .isEqualTo(1);
        }
        assertThat(Files.readAllBytes(installed)).as("cut at byte %d", cutAt).isEqualTo(large);
        assertThat(
                        node.metric(
                                "edgeward_http_requests_total{method=\"GET\",route=\"/{tenant}/controller/v1/{controllerId}/softwaremodules/{module}/artifacts/{filename}\",status=\"206\"}"))
                .as("the rest came as a range")
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aCancel_isAcknowledgedBySwupdate() throws Exception {
        String secret = register("swu-4");
        Path installed = dir.resolve("rootfs4/payload.bin");
        String rollout = rollOut(swupdate.image("cancel", "2.0.0", payload, installed, false), "2.0.0", "swu-4");
        // The device has seen its deployment (it has an action id) before the operator cancels it.
        HttpResponse<String> poll = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url() + "/DEFAULT/controller/v1/swu-4"))
                                .header("Authorization", "TargetToken " + secret)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(Node.JSON
                        .readTree(poll.body())
                        .at("/_links/deploymentBase/href")
                        .asText())
                .contains("/deploymentBase/");
        assertThat(node.send("POST", "/api/v1/rollouts/" + rollout + "/cancel", null)
                        .statusCode())
                .isEqualTo(200);

        try (Swupdate.Client client = swupdate.start("cancel", url(), "swu-4", secret, null)) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> job(rollout).path("reason").asText().contains("the device confirmed"));
        }
        assertThat(job(rollout).path("status").asText()).isEqualTo("canceled");
        assertThat(Files.exists(installed)).as("nothing was installed").isFalse();
    }

    /** Forwards HTTP to the node and cuts the first response carrying an artifact after {@code cutAfter} bytes. */
    static final class CuttingProxy implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger cuts = new AtomicInteger();
        private final AtomicBoolean cut = new AtomicBoolean();
        private final int target;
        private final long cutAfter;

        CuttingProxy(int target, long cutAfter) throws IOException {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.target = target;
            this.cutAfter = cutAfter;
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    AtomicBoolean artifact = new AtomicBoolean();
                    Thread.ofVirtual().start(() -> pump(client, upstream, artifact, true));
                    Thread.ofVirtual().start(() -> pump(upstream, client, artifact, false));
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** Copies one direction; requests are watched for an artifact download, whose first response is cut. */
        private void pump(Socket from, Socket to, AtomicBoolean artifact, boolean request) {
            byte[] buffer = new byte[16 * 1024];
            long sent = 0;
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    if (request
                            && new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                                    .contains("/artifacts/")) {
                        artifact.set(true);
                    }
                    if (!request && artifact.get() && !cut.get() && sent + n > cutAfter) {
                        cut.set(true);
                        cuts.incrementAndGet();
                        out.write(buffer, 0, (int) (cutAfter - sent));
                        out.flush();
                        from.close();
                        to.close();
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    sent += n;
                }
            } catch (IOException e) {
                // the other side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
