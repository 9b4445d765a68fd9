package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device driven by clients we did not write: Debian's mosquitto_pub and mosquitto_sub.
 * Skipped with a message when they are not installed; .ci/run installs mosquitto-clients.
 */
class MosquittoClientsIT {

    @TempDir
    static Path dir;

    static Node node;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(
                ExternalProcess.onPath("mosquitto_pub")
                        && ExternalProcess.onPath("mosquitto_sub")
                        && ExternalProcess.onPath("mosquitto_rr"),
                "mosquitto_pub/sub/rr not installed (apt-get install mosquitto-clients); skipping the external-client tests");
        node = new Node(dir, Map.of());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private ExternalProcess pub(String id, String password, String version, int qos, String topic, String message)
            throws Exception {
        return ExternalProcess.run(client(
                "mosquitto_pub", id, password, "-V", version, "-q", Integer.toString(qos), "-t", topic, "-m", message));
    }

    private List<String> client(String tool, String id, String password, String... args) {
        List<String> command = new ArrayList<>(List.of(
                tool, "-h", "127.0.0.1", "-p", Integer.toString(node.mqttPort), "-i", id, "-u", id, "-P", password));
        command.addAll(List.of(args));
        return command;
    }

    /** mosquitto_rr: one connection that subscribes to the answer topic, publishes the request and prints one answer. */
    private JsonNode request(String id, String password, String topic, String answerTopic, String message)
            throws Exception {
        ExternalProcess rr = ExternalProcess.run(client(
                "mosquitto_rr", id, password, "-q", "1", "-t", topic, "-e", answerTopic, "-m", message, "-W", "10"));
        assertThat(rr.exitCode()).as(rr.stderr()).isZero();
        return Node.JSON.readTree(rr.stdout());
    }

    @Test
    void shadow_drivenByMosquittoClients_updateGetConflictAndOfflineDelta() throws Exception {
        String id = "mosq-sh";
        String password = node.register(id);
        String shadow = "device/" + id + "/shadow/";

        JsonNode accepted = request(id, password, shadow + "update", shadow + "update/accepted", """
                        {"state":{"reported":{"firmware_version":"1.0","target_temperature":20}},"clientToken":"mosq-1"}""");
        assertThat(accepted.get("version").asLong()).isEqualTo(1);
        assertThat(accepted.get("clientToken").asText()).isEqualTo("mosq-1");

        JsonNode conflict = request(id, password, shadow + "update", shadow + "update/rejected", """
                        {"state":{"reported":{"x":1}},"version":9}""");
        assertThat(conflict.get("code").asInt()).isEqualTo(409);
        assertThat(conflict.get("version").asLong()).isEqualTo(1);

        // A persistent session subscribed to its delta, then offline while an operator changes the desired state.
        ExternalProcess subscribe = ExternalProcess.run(
                client("mosquitto_sub", id, password, "-c", "-q", "1", "-t", shadow + "update/delta", "-E"));
        assertThat(subscribe.exitCode()).as(subscribe.stderr()).isZero();
        assertThat(node.send("PATCH", "/api/v1/devices/" + id + "/shadow", """
                {"state":{"desired":{"target_temperature":22}}}""").statusCode())
                .isEqualTo(200);
        ExternalProcess missed = ExternalProcess.run(client(
                "mosquitto_sub", id, password, "-c", "-q", "1", "-t", shadow + "update/delta", "-C", "1", "-W", "10"));
        assertThat(Node.JSON
                        .readTree(missed.stdout())
                        .at("/state/target_temperature")
                        .asInt())
                .isEqualTo(22);

        JsonNode got = request(id, password, shadow + "get", shadow + "get/accepted", "{}");
        assertThat(got.at("/state/delta/target_temperature").asInt()).isEqualTo(22);
        assertThat(got.at("/state/reported/firmware_version").asText()).isEqualTo("1.0");
    }

    @Test
    void command_queuedForAnOfflineMosquittoDevice_isDeliveredOnReconnect_andItsResponseCompletesIt() throws Exception {
        String id = "mosq-cmd";
        String password = node.register(id);
        String commandTopic = "device/" + id + "/command";
        ExternalProcess subscribe =
                ExternalProcess.run(client("mosquitto_sub", id, password, "-c", "-q", "1", "-t", commandTopic, "-E"));
        assertThat(subscribe.exitCode()).as(subscribe.stderr()).isZero();

        JsonNode queued = Node.JSON.readTree(
                node.send("POST", "/api/v1/devices/" + id + "/commands", """
                        {"type":"set_temperature","parameters":{"temperature":22.5},"timeout":"30s"}""").body());
        assertThat(queued.get("status").asText()).isEqualTo("queued");

        ExternalProcess received = ExternalProcess.run(
                client("mosquitto_sub", id, password, "-c", "-q", "1", "-t", commandTopic, "-C", "1", "-W", "10"));
        JsonNode command = Node.JSON.readTree(received.stdout());
        assertThat(command.get("command_id").asText())
                .isEqualTo(queued.get("command_id").asText());
        assertThat(command.get("type").asText()).isEqualTo("set_temperature");

        ExternalProcess respond = ExternalProcess.run(client(
                "mosquitto_pub",
                id,
                password,
                "-q",
                "1",
                "-t",
                "device/" + id + "/response",
                "-m",
                "{\"command_id\":\"" + command.get("command_id").asText()
                        + "\",\"status\":\"success\",\"message\":\"ok\",\"timestamp\":1}"));
        assertThat(respond.exitCode()).as(respond.stderr()).isZero();
        JsonNode done = node.get("/api/v1/devices/" + id + "/commands/"
                + command.get("command_id").asText());
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.get("message").asText()).isEqualTo("ok");

        ExternalProcess bad = ExternalProcess.run(client(
                "mosquitto_pub",
                id,
                password,
                "-V",
                "mqttv5",
                "-q",
                "1",
                "-t",
                "device/" + id + "/response",
                "-m",
                """
                        {"command_id":"nope","status":"success"}"""));
        assertThat(bad.stderr()).containsIgnoringCase("Implementation specific error");
        assertThat(node.metric("edgeward_command_responses_rejected_total{reason=\"unknown_command\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void seedDocument_overMqtt5AndMqtt311_atQos1And2_isStored() throws Exception {
        String id = "mosq-1";
        String password = node.register(id);
        long now = System.currentTimeMillis() / 1000;
        ExternalProcess v5 = pub(
                id,
                password,
                "mqttv5",
                1,
                "sensor/" + id + "/telemetry",
                "{\"sensor_id\":\"" + id
                        + "\",\"type\":\"temperature\",\"value\":21.5,\"unit\":\"C\",\"location\":\"lab\",\"timestamp\":"
                        + (now - 10) + "}");
        assertThat(v5.exitCode()).as(v5.stderr()).isZero();
        assertThat(v5.stderr()).doesNotContain("failed");
        ExternalProcess v311 = pub(
                id,
                password,
                "mqttv311",
                2,
                "sensor/" + id + "/telemetry",
                "{\"ts\":" + (now * 1000) + ",\"values\":{\"temperature\":22.5}}");
        assertThat(v311.exitCode()).as(v311.stderr()).isZero();

        JsonNode series = node.get("/api/v1/devices/" + id + "/telemetry?metric=temperature&from=" + ((now - 60) * 1000)
                + "&to=" + ((now + 1) * 1000));
        assertThat(series.get("points"))
                .extracting(p -> p.get("value").asDouble())
                .containsExactly(21.5, 22.5);
    }

    @Test
    void wrongSecret_isRefusedAtConnect() throws Exception {
        String id = "mosq-2";
        node.register(id);
        ExternalProcess result = pub(id, "not-the-secret", "mqttv5", 1, "sensor/" + id + "/telemetry", """
                {"values":{"a":1}}""");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).containsIgnoringCase("bad user name or password");
    }

    @Test
    void invalidPayload_isRefusedWithReasonString_andCounted() throws Exception {
        String id = "mosq-3";
        String password = node.register(id);
        double before = node.metric("edgeward_telemetry_rejected_total{reason=\"malformed\"}");
        ExternalProcess result = pub(id, password, "mqttv5", 1, "sensor/" + id + "/telemetry", "not json at all");
        assertThat(result.stderr()).contains("Payload format invalid").contains("malformed");
        assertThat(node.metric("edgeward_telemetry_rejected_total{reason=\"malformed\"}") - before)
                .isEqualTo(1);
        assertThat(node.get("/api/v1/devices/" + id + "/telemetry/latest").get("metrics"))
                .isEmpty();
    }

    @Test
    void anotherDevicesTopic_isNotAuthorized() throws Exception {
        String id = "mosq-4";
        String password = node.register(id);
        node.register("mosq-victim");
        ExternalProcess result = pub(id, password, "mqttv5", 1, "sensor/mosq-victim/telemetry", """
                {"values":{"spoof":1}}""");
        assertThat(result.stderr()).contains("Not authorized");
        assertThat(node.get("/api/v1/devices/mosq-victim/telemetry/latest").get("metrics"))
                .isEmpty();
    }

    @Test
    void retainedStatus_publishedByMosquittoPub_isReadBackByMosquittoSub() throws Exception {
        String id = "mosq-5";
        String password = node.register(id);
        ExternalProcess retained = ExternalProcess.run(client(
                "mosquitto_pub", id, password, "-q", "1", "-r", "-t", "device/" + id + "/status", "-m", "online"));
        assertThat(retained.exitCode()).as(retained.stderr()).isZero();
        ExternalProcess sub = ExternalProcess.run(
                client("mosquitto_sub", id, password, "-t", "device/" + id + "/status", "-C", "1", "-W", "10"));
        assertThat(sub.stdout().trim()).isEqualTo("online");
    }
}
