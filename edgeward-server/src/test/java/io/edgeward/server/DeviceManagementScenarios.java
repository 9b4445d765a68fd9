package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.device.Simulator;
import io.edgeward.device.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole node with the simulator's sensor and thermostat talking to it: commands, shadows and
 * the device lifecycle end to end. Runs on each store (SQLite and PostgreSQL).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeviceManagementScenarios {

    @TempDir
    static Path dir;

    Node node;
    Simulator simulator;
    CompletableFuture<?> simulation;
    final ByteArrayOutputStream simulatorOutput = new ByteArrayOutputStream();

    /** Settings that pick the store; empty for the embedded SQLite. */
    abstract Map<String, String> storeSettings() throws Exception;

    @BeforeAll
    void start() throws Exception {
        node = new Node(dir, storeSettings());
        simulator = new Simulator(
                new SimulatorSettings(
                        "127.0.0.1",
                        node.mqttPort,
                        2,
                        5,
                        1,
                        "e2e-",
                        10,
                        Duration.ofMinutes(5),
                        URI.create("http://127.0.0.1:" + node.httpPort),
                        node.token,
                        dir.resolve("sim.json"),
                        null,
                        null,
                        null,
                        1,
                        null,
                        0),
                new PrintStream(simulatorOutput, true));
        simulation = CompletableFuture.runAsync(() -> {
            try {
                simulator.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // "Publishing" is printed once every device has connected and subscribed.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> simulatorOutput.toString().contains("Publishing"));
    }

    @AfterAll
    void stop() {
        if (simulator != null) {
            simulator.stop();
            simulation.join();
        }
        if (node != null) {
            node.close();
        }
    }

    String status(String device) throws Exception {
        HttpResponse<String> reply = node.send("GET", "/api/v1/devices/" + device, null);
        return reply.statusCode() == 200
                ? Node.JSON.readTree(reply.body()).get("status").asText()
                : "absent";
    }

    @Test
    void command_toTheThermostat_succeeds_andUnknownTypesFail() throws Exception {
        // A desired target left by another test would win over the command (the device follows desired state).
        assertThat(node.send("PATCH", "/api/v1/devices/e2e-thermostat-00001/shadow", """
                {"state":{"desired":null}}""")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> reply = node.send("POST", "/api/v1/devices/e2e-thermostat-00001/commands?wait=true", """
                        {"type":"set_temperature","parameters":{"temperature":23.5}}""");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        JsonNode command = Node.JSON.readTree(reply.body());
        assertThat(command.get("status").asText()).isEqualTo("succeeded");
        assertThat(command.get("message").asText()).isEqualTo("temperature set to 23.5°C");
        assertThat(command.get("delivered_at").isNull()).isFalse();

        JsonNode failed =
                Node.JSON.readTree(node.send("POST", "/api/v1/devices/e2e-thermostat-00001/commands?wait=true", """
                        {"type":"dance"}""")
                        .body());
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("message").asText()).isEqualTo("unknown command type");
        await().untilAsserted(() -> assertThat(node.get("/api/v1/devices/e2e-thermostat-00001/shadow")
                        .at("/state/reported/target_temperature")
                        .asDouble())
                .isEqualTo(23.5));
    }

    @Test
    void desiredTarget_isAppliedByTheThermostat_andTheDeltaEmpties() throws Exception {
        HttpResponse<String> reply = node.send("PATCH", "/api/v1/devices/e2e-thermostat-00001/shadow", """
                        {"state":{"desired":{"target_temperature":19.5}}}""");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        await().untilAsserted(() -> {
            JsonNode shadow = node.get("/api/v1/devices/e2e-thermostat-00001/shadow");
            assertThat(shadow.at("/state/reported/target_temperature").asDouble())
                    .isEqualTo(19.5);
            assertThat(shadow.at("/state/delta").isEmpty()).isTrue();
        });
        JsonNode history = node.get("/api/v1/devices/e2e-thermostat-00001/shadow/history");
        assertThat(history.findValuesAsText("changed_by")).contains("operator", "device");
    }

    @Test
    void sensor_reportsFirmwareLocationAndTelemetry_inItsShadow() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode reported = node.get("/api/v1/devices/e2e-00001/shadow").at("/state/reported");
            assertThat(reported.get("firmware_version").asText()).isEqualTo("2.1.0");
            assertThat(reported.has("location")).isTrue();
            assertThat(reported.has("temperature"))
                    .as("latest telemetry folded in")
                    .isTrue();
        });
        assertThat(node.metrics()).contains("iot_device_total{status=\"online\",type=\"actuator\"}");
    }

    @Test
    void deletingAConnectedDevice_dropsItEverywhere() throws Exception {
        assertThat(status("e2e-00002")).isEqualTo("online");
        assertThat(node.send("DELETE", "/api/v1/devices/e2e-00002", null).statusCode())
                .isEqualTo(204);
        assertThat(status("e2e-00002")).isEqualTo("absent");
        assertThat(node.send("GET", "/api/v1/devices/e2e-00002/shadow", null).statusCode())
                .isEqualTo(404);
        assertThat(node.send("GET", "/api/v1/devices/e2e-00002/telemetry/latest", null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(node.send("POST", "/api/v1/devices/e2e-00002/commands", """
                {"type":"restart"}""").statusCode())
                .isEqualTo(404);
    }
}
