package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules and processing configuration pushed from the cloud to an edge, each a process of its own
 * over a TCP link the test cuts: applied at once while the edge is connected and the pushed rule
 * runs there (its alarm comes back up); a version made while the edge is away reaches it when it
 * returns, deleting the cloud's rules it no longer lists but not one an operator at the edge took
 * over; what the edge would refuse is refused in the cloud first, naming every problem.
 */
class SyncConfigIT {

    @TempDir
    Path dir;

    private PlatformProcess cloud;
    private PlatformProcess edge;
    private LinkProxy link;
    private EdgeAndCloud pair;

    @AfterEach
    void stop() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    private static final String HOT = """
            {"id": "hot", "metric": "temperature", "condition": "value > 30",
             "actions": [{"type": "alarm", "severity": "major"},
                         {"type": "forward", "message": "hot: {{value}}"}]}""";
    private static final String WET = """
            {"id": "wet", "metric": "humidity", "condition": "value > 90",
             "actions": [{"type": "alarm", "severity": "minor"}]}""";
    private static final String MINE = """
            {"id": "mine", "metric": "pressure", "condition": "value > 5",
             "actions": [{"type": "log"}]}""";
    private static final String WINDOWS = """
            {"windows": [{"name": "temp_1m", "match": {"metric": "temperature"}, "size": "1m",
                          "functions": ["mean", "max"]}]}""";

    @Test
    void configurationPushedToAnEdge_appliesThere_whileConnectedAndWhenItReturns() throws Exception {
        pair = EdgeAndCloud.start(dir, "edge-k", Map.of());
        cloud = pair.cloud;
        edge = pair.edge;
        link = pair.link;
        JsonNode ports = pair.edgePorts;
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-k")
                        .get("status")
                        .asText()
                        .equals("online"));

        // What the edge would refuse is refused here, every problem named; nothing is stored.
        HttpResponse<String> invalid = cloud.send(
                "PUT",
                "/api/v1/sync/edges/edge-k/config",
                "{\"rules\": [{\"id\": \"bad\", \"metric\": \"temperature\", \"condition\": \"value >\"}],"
                        + " \"processing\": {\"windows\": [{\"name\": \"w\"}]}}");
        assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(400);
        JsonNode problems = PlatformProcess.JSON.readTree(invalid.body()).get("problems");
        assertThat(problems.toString()).contains("rules[0]").contains("processing");
        assertThat(cloud.send("GET", "/api/v1/sync/edges/edge-k/config", null).statusCode())
                .isEqualTo(404);
        assertThat(cloud.send("PUT", "/api/v1/sync/edges/nobody/config", "{\"rules\": []}")
                        .statusCode())
                .as("only a gateway of this node is an edge")
                .isEqualTo(400);

        // Connected: applied at once, and the rule runs at the edge.
        HttpResponse<String> first = cloud.send(
                "PUT",
                "/api/v1/sync/edges/edge-k/config",
                "{\"version\": 0, \"rules\": [" + HOT + "], \"processing\": " + WINDOWS + "}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(PlatformProcess.JSON.readTree(first.body()).get("version").asLong())
                .isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode config = cloud.get("/api/v1/sync/edges/edge-k/config");
            assertThat(config.at("/applied/version").asLong()).isEqualTo(1);
            assertThat(config.at("/applied/status").asText()).isEqualTo("applied");
        });
        assertThat(edge.get("/api/v1/rules/hot").get("author").asText()).isEqualTo("cloud");
        assertThat(edge.get("/api/v1/processing").at("/windows/0/name").asText())
                .isEqualTo("temp_1m");
        assertThat(edge.get("/api/v1/sync/config").get("version").asLong()).isEqualTo(1);
        assertThat(cloud.send("PUT", "/api/v1/sync/edges/edge-k/config", "{\"version\": 0, \"rules\": []}")
                        .statusCode())
                .as("made to a version that is no longer the stored one")
                .isEqualTo(409);

        String secret = edge.register("dev-k");
        Mqtt5BlockingClient device = MqttClient.builder()
                .useMqttVersion5()
                .identifier("dev-k")
                .serverHost("127.0.0.1")
                .serverPort(ports.get("mqtt").asInt())
                .buildBlocking();
        device.connectWith()
                .simpleAuth()
                .username("dev-k")
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        device.publishWith()
                .topic("sensor/dev-k/telemetry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"values\": {\"temperature\": 35}}".getBytes(StandardCharsets.UTF_8))
                .send();
        device.disconnect();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            boolean raised = false;
            for (JsonNode event : cloud.get("/api/v1/sync/events?edge=edge-k").get("events")) {
                raised |= event.get("kind").asText().equals("alarm")
                        && event.at("/event/rule_id").asText().equals("hot");
            }
            assertThat(raised)
                    .as("the pushed rule's alarm, raised at the edge, in the cloud")
                    .isTrue();
        });

        // An operator at the edge takes over a rule the cloud pushed.
        HttpResponse<String> second =
                cloud.send("PUT", "/api/v1/sync/edges/edge-k/config", "{\"rules\": [" + HOT + ", " + MINE + "]}");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(
                                edge.send("GET", "/api/v1/rules/mine", null).statusCode())
                        .isEqualTo(200));
        HttpResponse<String> takeOver = edge.send("PUT", "/api/v1/rules/mine", MINE.replace("value > 5", "value > 6"));
        assertThat(takeOver.statusCode()).as(takeOver.body()).isEqualTo(200);

        // Away: the next version waits for the edge.
        link.cut();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-k")
                        .get("status")
                        .asText()
                        .equals("offline"));
        HttpResponse<String> third =
                cloud.send("PUT", "/api/v1/sync/edges/edge-k/config", "{\"rules\": [" + WET + "]}");
        assertThat(third.statusCode()).as(third.body()).isEqualTo(200);
        assertThat(cloud.get("/api/v1/sync/edges/edge-k/config")
                        .at("/applied/version")
                        .asLong())
                .isEqualTo(2);
        assertThat(edge.send("GET", "/api/v1/rules/wet", null).statusCode()).isEqualTo(404);

        link.restore();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode config = cloud.get("/api/v1/sync/edges/edge-k/config");
            assertThat(config.at("/applied/version").asLong()).isEqualTo(3);
            assertThat(config.at("/applied/status").asText()).isEqualTo("applied");
        });
        assertThat(edge.send("GET", "/api/v1/rules/wet", null).statusCode()).isEqualTo(200);
        assertThat(edge.send("GET", "/api/v1/rules/hot", null).statusCode())
                .as("no longer listed: deleted")
                .isEqualTo(404);
        assertThat(edge.get("/api/v1/rules/mine").get("condition").asText())
                .as("taken over at the edge: stays")
                .isEqualTo("value > 6");
        assertThat(edge.get("/api/v1/processing").at("/windows/0/name").asText())
                .as("no processing in the document: left alone")
                .isEqualTo("temp_1m");
        assertThat(cloud.get("/api/v1/sync")
                        .at("/edge_configs/edge-k/applied/version")
                        .asLong())
                .isEqualTo(3);
    }
}
