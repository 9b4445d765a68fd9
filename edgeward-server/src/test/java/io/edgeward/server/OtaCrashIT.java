package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout to 200 simulated A/B devices survives a {@code kill -9} of the node in the middle of it:
 * the packaged node restarts on the same ports from the same data directory, the devices reconnect
 * and resume their downloads, and the rollout goes on wave by wave until every device runs the new
 * version, with no job lost or failed.
 */
class OtaCrashIT {

    @TempDir
    Path dir;

    PlatformProcess platform;
    SimulatedDevices devices;

    @AfterEach
    void stop() {
        if (devices != null) {
            devices.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    JsonNode rollout(String id) throws Exception {
        return platform.get("/api/v1/rollouts/" + id);
    }

    @Test
    void sigkillMidRollout_theRolloutGoesOnAfterTheRestart_andEveryDeviceIsUpdated() throws Exception {
        int mqtt = freePort();
        int http = freePort();
        platform = new PlatformProcess(
                java.nio.file.Files.createDirectories(dir.resolve("node")),
                Map.of("mqtt.port", "" + mqtt, "http.port", "" + http));
        platform.start();
        devices = new SimulatedDevices(mqtt, http, PlatformProcess.TOKEN, 200, "kc-", 0, dir.resolve("sim.json"));

        byte[] image = new byte[1 << 20];
        new Random(3).nextBytes(image);
        HttpResponse<String> uploaded = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
                                        + "/api/v1/firmware?model=edgeward-sim&version=2.5.0"))
                                .header("Authorization", "Bearer " + PlatformProcess.TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        HttpResponse<String> created = platform.send(
                "POST",
                "/api/v1/rollouts",
                "{\"firmware_id\":\""
                        + PlatformProcess.JSON
                                .readTree(uploaded.body())
                                .path("id")
                                .asText()
                        + "\",\"tags\":[\"simulated\"],\"waves\":{\"canary\":20,\"groups\":[{\"percent\":30},"
                        + "{\"percent\":100}],\"success_threshold\":90,\"error_threshold\":10}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = PlatformProcess.JSON.readTree(created.body()).path("id").asText();

        // Kill while the second wave is under way: some devices done, others downloading.
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> rollout(id).at("/states/completed").asInt() >= 30);
        platform.kill();
        platform.start();

        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> rollout(id).path("status").asText().equals("finished"));
        JsonNode finished = rollout(id);
        assertThat(finished.at("/states/completed").asInt()).isEqualTo(200);
        assertThat(finished.at("/states/failed").asInt()).isZero();
        assertThat(platform.get("/api/v1/devices/kc-00150")
                        .path("firmware_version")
                        .asText())
                .isEqualTo("2.5.0");
    }
}
