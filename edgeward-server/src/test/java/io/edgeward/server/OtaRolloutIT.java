package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts to the simulator's A/B devices over MQTT and HTTP, end to end: each device verifies the
 * signed manifest, downloads and hashes the image, installs it into its other slot, reboots into it
 * and commits or rolls back after its health check, and reports each step.
 */
class OtaRolloutIT {

    @TempDir
    Path dir;

    Node node;
    SimulatedDevices devices;

    @AfterEach
    void stop() {
        if (devices != null) {
            devices.close();
        }
        if (node != null) {
            node.close();
        }
    }

    void simulate(String prefix, int count, double failureRate) {
        devices = new SimulatedDevices(
                node.mqttPort, node.httpPort, node.token, count, prefix, failureRate, dir.resolve(prefix + "sim.json"));
    }

    String upload(String version, int size) throws Exception {
        byte[] image = new byte[size];
        new Random(size).nextBytes(image);
        return node.uploadFirmware("model=edgeward-sim&version=" + version, image);
    }

    JsonNode create(String body) throws Exception {
        HttpResponse<String> reply = node.send("POST", "/api/v1/rollouts", body);
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
        return Node.JSON.readTree(reply.body());
    }

    @Test
    void aRolloutTo200Devices_goesCanaryThenWaves_pausedResumedAndApproved_andEveryDeviceRunsTheNewVersion()
            throws Exception {
        node = new Node(dir, Map.of());
        simulate("ab-", 200, 0);
        String firmware = upload("2.2.0", 256 * 1024);

        JsonNode rollout = create("{\"firmware_id\":\"" + firmware + "\",\"tags\":[\"simulated\"],"
                + "\"waves\":{\"canary\":10,\"groups\":[{\"percent\":40},{\"percent\":100}],"
                + "\"success_threshold\":95,\"error_threshold\":5,\"auto_advance\":false}}");
        String id = rollout.path("id").asText();
        assertThat(rollout.path("devices").asInt()).isEqualTo(200);
        assertThat(rollout.path("waves").asInt()).isEqualTo(3);
        assertThat(rollout.at("/wave_counts/0/devices").asInt()).isEqualTo(10);

        // The canary updates; the operator pauses, resumes, and approves each next wave.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> node.get("/api/v1/rollouts/" + id)
                        .path("status")
                        .asText()
                        .equals("waiting_approval"));
        assertThat(node.get("/api/v1/rollouts/" + id)
                        .at("/wave_counts/1/states/scheduled")
                        .asInt())
                .as("no device of wave 2 offered before the approval")
                .isEqualTo(80);
        assertThat(action(id, "pause").path("status").asText()).isEqualTo("paused");
        assertThat(action(id, "resume").path("status").asText()).isEqualTo("waiting_approval");
        assertThat(action(id, "approve").path("current_wave").asInt()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> node.get("/api/v1/rollouts/" + id)
                        .path("status")
                        .asText()
                        .equals("waiting_approval"));
        assertThat(action(id, "approve").path("current_wave").asInt()).isEqualTo(3);

        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> node.get("/api/v1/rollouts/" + id)
                        .path("status")
                        .asText()
                        .equals("finished"));
        JsonNode finished = node.get("/api/v1/rollouts/" + id);
        assertThat(finished.at("/states/completed").asInt()).isEqualTo(200);
        assertThat(finished.path("wave_counts"))
                .extracting(w -> w.path("devices").asInt())
                .containsExactly(10, 80, 110);
        assertThat(node.get("/api/v1/devices/ab-00001").path("firmware_version").asText())
                .isEqualTo("2.2.0");
        assertThat(node.get("/api/v1/devices/ab-00200/shadow")
                        .at("/state/reported/firmware_version")
                        .asText())
                .isEqualTo("2.2.0");
        JsonNode job = node.get("/api/v1/devices/ab-00100/ota/jobs").at("/jobs/0");
        assertThat(job.path("steps").fieldNames())
                .toIterable()
                .contains("pending", "downloading", "verifying", "installing", "completed");
        assertThat(node.metric("iot_ota_upgrade_total{status=\"completed\"}")).isEqualTo(200);
        assertThat(node.metric("iot_ota_upgrade_duration_seconds_count")).isEqualTo(200);
    }

    JsonNode action(String rollout, String action) throws Exception {
        HttpResponse<String> reply = node.send("POST", "/api/v1/rollouts/" + rollout + "/" + action, null);
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        return Node.JSON.readTree(reply.body());
    }

    @Test
    void failedHealthChecksInTheCanary_stopTheRolloutPastItsErrorThreshold_andTheOtherWavesAreNotOffered()
            throws Exception {
        node = new Node(dir, Map.of());
        simulate("rb-", 200, 1.0);
        String firmware = upload("3.0.0", 64 * 1024);

        String id = create("{\"firmware_id\":\"" + firmware + "\",\"tags\":[\"simulated\"],"
                        + "\"waves\":{\"canary\":5,\"groups\":[{\"percent\":50},{\"percent\":100}],"
                        + "\"error_threshold\":20}}")
                .path("id")
                .asText();

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> node.get("/api/v1/rollouts/" + id)
                        .path("status")
                        .asText()
                        .equals("stopped"));
        JsonNode stopped = node.get("/api/v1/rollouts/" + id);
        assertThat(stopped.path("reason").asText()).contains("above the error threshold of 20%");
        assertThat(stopped.at("/wave_counts/1/states/scheduled").asInt())
                .as("the next waves were never offered")
                .isEqualTo(100);
        assertThat(stopped.at("/wave_counts/2/states/scheduled").asInt()).isEqualTo(95);
        JsonNode rolledBack =
                node.get("/api/v1/rollouts/" + id + "/jobs?status=rolled_back").path("jobs");
        assertThat(rolledBack).isNotEmpty();
        assertThat(rolledBack.get(0).path("reason").asText()).contains("health check failed");
        String device = rolledBack.get(0).path("device_id").asText();
        assertThat(node.get("/api/v1/devices/" + device)
                        .path("firmware_version")
                        .asText())
                .as("a rolled-back device keeps its old version on record")
                .isNotEqualTo("3.0.0");

        // The canary devices still updating go on to their end (they roll back too) before the cancel.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> node.get("/api/v1/rollouts/" + id)
                                .at("/wave_counts/0/states/rolled_back")
                                .asInt()
                        == 5);
        HttpResponse<String> canceled = node.send("POST", "/api/v1/rollouts/" + id + "/cancel", null);
        assertThat(Node.JSON.readTree(canceled.body()).at("/states/canceled").asInt())
                .as("the waves never offered")
                .isEqualTo(195);
    }
}
