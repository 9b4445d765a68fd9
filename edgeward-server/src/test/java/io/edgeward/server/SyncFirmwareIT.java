package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
 * A rollout made in the cloud for devices behind an edge, each a process of its own over a TCP link
 * the test cuts: the jobs wait while the edge is away; when it returns they go down, the edge fetches
 * the release's image down the same link (checked against the cloud's SHA-256), runs each job with
 * the simulator's A/B devices connected to it, and every state reaches the cloud's jobs, which end
 * completed with the devices' new version on record there.
 */
class SyncFirmwareIT {

    @TempDir
    Path dir;

    private PlatformProcess cloud;
    private PlatformProcess edge;
    private LinkProxy link;
    private EdgeAndCloud pair;
    private SimulatedDevices devices;

    @AfterEach
    void stop() throws Exception {
        if (devices != null) {
            devices.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void aCloudRolloutToDevicesBehindAnEdge_reachesThemThroughTheLink_andEndsCompletedInTheCloud() throws Exception {
        pair = EdgeAndCloud.start(dir, "edge-f", Map.of());
        cloud = pair.cloud;
        edge = pair.edge;
        link = pair.link;
        devices = new SimulatedDevices(
                edge.mqttPort(), edge.httpPort(), PlatformProcess.TOKEN, 3, "ef-", 0, dir.resolve("sim.json"));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            for (int i = 1; i <= 3; i++) {
                JsonNode device = cloud.get("/api/v1/devices/ef-0000" + i);
                assertThat(device.get("edge").asText()).isEqualTo("edge-f");
                assertThat(device.get("model").asText()).isEqualTo("edgeward-sim");
            }
        });

        // A release of 600 KiB: three chunks down the link.
        byte[] image = new byte[600 * 1024];
        new Random(7).nextBytes(image);
        HttpResponse<String> uploaded = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cloud.httpPort()
                                        + "/api/v1/firmware?model=edgeward-sim&version=9.1.0"))
                                .header("Authorization", "Bearer " + PlatformProcess.TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        String firmware =
                PlatformProcess.JSON.readTree(uploaded.body()).get("id").asText();

        link.cut();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-f")
                        .get("status")
                        .asText()
                        .equals("offline"));
        HttpResponse<String> created = cloud.send(
                "POST",
                "/api/v1/rollouts",
                "{\"firmware_id\":\"" + firmware + "\",\"devices\":[\"ef-00001\",\"ef-00002\",\"ef-00003\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String rollout = PlatformProcess.JSON.readTree(created.body()).get("id").asText();
        assertThat(cloud.get("/api/v1/rollouts/" + rollout)
                        .at("/states/pending")
                        .asInt())
                .as("offered, waiting for the edge")
                .isEqualTo(3);

        link.restore();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> cloud.get("/api/v1/rollouts/" + rollout)
                        .path("status")
                        .asText()
                        .equals("finished"));
        assertThat(cloud.get("/api/v1/rollouts/" + rollout)
                        .at("/states/completed")
                        .asInt())
                .isEqualTo(3);
        JsonNode job = cloud.get("/api/v1/devices/ef-00002/ota/jobs").at("/jobs/0");
        assertThat(job.path("steps").fieldNames())
                .toIterable()
                .as("the device's own steps, reported through the edge")
                .contains("downloading", "installing", "completed");
        assertThat(cloud.get("/api/v1/devices/ef-00003").get("firmware_version").asText())
                .isEqualTo("9.1.0");
        JsonNode atEdge = edge.get("/api/v1/firmware?model=edgeward-sim").path("firmware");
        assertThat(atEdge).singleElement().satisfies(release -> {
            assertThat(release.get("version").asText()).isEqualTo("9.1.0");
            assertThat(release.at("/metadata/cloud_firmware_id").asText()).isEqualTo(firmware);
        });
    }
}
