package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Down through the link: a command the cloud accepts for a device behind an edge whose link is cut
 * waits in the cloud's queue, reaches the device once the link is back, and its outcome comes back
 * up; a desired shadow change made in the cloud meanwhile reaches the edge's shadow, and what the
 * device reports at the edge reaches the cloud's. Devices registered, edited, given new credentials
 * or deleted in the cloud reach the edge; a record renamed on both sides while apart ends as the
 * newer change on both, the other recorded.
 */
class SyncDownlinkIT {

    @TempDir
    Path dir;

    private PlatformProcess cloud;
    private PlatformProcess edge;
    private LinkProxy link;
    private EdgeAndCloud pair;
    private Mqtt5AsyncClient device;

    @AfterEach
    void stop() throws Exception {
        if (device != null) {
            device.disconnect();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void commandAndDesiredState_madeInTheCloudWhileTheEdgeIsAway_reachTheDevice_andTheOutcomeComesBack()
            throws Exception {
        pair = EdgeAndCloud.start(dir, "edge-d", Map.of());
        cloud = pair.cloud;
        edge = pair.edge;
        link = pair.link;
        JsonNode ports = pair.edgePorts;
        String secret = edge.register("dev-c");
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> cloud.get("/api/v1/devices/dev-c")
                        .get("device_id")
                        .asText()
                        .equals("dev-c"));

        // The device, behind the edge: runs every command it gets.
        CommandAnswerer answerer = new CommandAnswerer(ports.get("mqtt").asInt(), "dev-c", secret);
        device = answerer.client;

        link.cut();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-d")
                        .get("status")
                        .asText()
                        .equals("offline"));
        String commandId = submit(cloud, "dev-c");
        JsonNode command = cloud.get("/api/v1/devices/dev-c/commands/" + commandId);
        assertThat(command.get("status").asText()).isEqualTo("queued");
        HttpResponse<String> desired =
                cloud.send("PATCH", "/api/v1/devices/dev-c/shadow", "{\"state\":{\"desired\":{\"led\":\"on\"}}}");
        assertThat(desired.statusCode()).as(desired.body()).isEqualTo(200);
        assertThat(cloud.get("/api/v1/devices/dev-c/commands/"
                                + command.get("command_id").asText())
                        .get("status")
                        .asText())
                .as("the command waits while the edge is away")
                .isEqualTo("queued");

        link.restore();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode outcome = cloud.get("/api/v1/devices/dev-c/commands/"
                            + command.get("command_id").asText());
                    assertThat(outcome.get("status").asText()).isEqualTo("succeeded");
                    assertThat(outcome.get("message").asText()).isEqualTo("rebooted");
                });
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(edge.get("/api/v1/devices/dev-c/shadow")
                                .at("/state/desired/led")
                                .asText())
                        .isEqualTo("on"));

        // The device reports at the edge; the cloud's shadow follows.
        device.publishWith()
                .topic("device/dev-c/shadow/update")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"state\":{\"reported\":{\"led\":\"on\"}}}".getBytes(StandardCharsets.UTF_8))
                .send()
                .get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode shadow = cloud.get("/api/v1/devices/dev-c/shadow");
            assertThat(shadow.at("/state/reported/led").asText()).isEqualTo("on");
            assertThat(shadow.at("/state/delta").isMissingNode()
                            || shadow.at("/state/delta").isEmpty())
                    .as("nothing left to do: %s", shadow)
                    .isTrue();
        });
        assertThat(cloud.get("/api/v1/devices/dev-c").get("status").asText())
                .as("the device's presence at the edge, reported up")
                .isEqualTo("online");

        // A device registered in the cloud for this edge while it is away connects there once it is back;
        // new credentials made in the cloud revoke the old ones at the edge; a deletion reaches it too.
        link.cut();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-d")
                        .get("status")
                        .asText()
                        .equals("offline"));
        HttpResponse<String> added = cloud.send(
                "POST", "/api/v1/devices", "{\"device_id\":\"dev-new\",\"model\":\"T9\",\"edge\":\"edge-d\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        String first = PlatformProcess.JSON
                .readTree(added.body())
                .at("/credentials/password")
                .asText();
        link.restore();
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(
                                edge.get("/api/v1/devices/dev-new").get("model").asText())
                        .isEqualTo("T9"));
        assertThat(connects(ports.get("mqtt").asInt(), "dev-new", first)).isTrue();

        HttpResponse<String> rotated = cloud.send("POST", "/api/v1/devices/dev-new/rotate-credentials", null);
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        String second = PlatformProcess.JSON
                .readTree(rotated.body())
                .at("/credentials/password")
                .asText();
        int mqtt = ports.get("mqtt").asInt();
        await().atMost(Duration.ofSeconds(30)).until(() -> connects(mqtt, "dev-new", second));
        assertThat(connects(mqtt, "dev-new", first))
                .as("the old secret is revoked at the edge")
                .isFalse();

        // A device learnt from the edge, edited in the cloud: the edge follows.
        assertThat(cloud.send("PATCH", "/api/v1/devices/dev-c", "{\"location\":\"hall\"}")
                        .statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(edge.get("/api/v1/devices/dev-c")
                                .get("location")
                                .asText())
                        .isEqualTo("hall"));
        assertThat(cloud.get("/api/v1/devices/dev-c").get("edge").asText()).isEqualTo("edge-d");

        // Renamed on both sides while apart, the edge later: its name stands on both, and the cloud's
        // change is recorded as the loser.
        link.cut();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-d")
                        .get("status")
                        .asText()
                        .equals("offline"));
        assertThat(cloud.send("PATCH", "/api/v1/devices/dev-new", "{\"name\":\"cloud-name\"}")
                        .statusCode())
                .isEqualTo(200);
        long cloudChange = java.time.Instant.parse(
                        cloud.get("/api/v1/devices/dev-new").get("updated_at").asText())
                .toEpochMilli();
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > cloudChange + 5);
        assertThat(edge.send("PATCH", "/api/v1/devices/dev-new", "{\"name\":\"edge-name\"}")
                        .statusCode())
                .isEqualTo(200);
        link.restore();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(cloud.get("/api/v1/devices/dev-new").get("name").asText())
                    .isEqualTo("edge-name");
            assertThat(edge.get("/api/v1/devices/dev-new").get("name").asText()).isEqualTo("edge-name");
            JsonNode conflict = null;
            for (JsonNode event : cloud.get("/api/v1/sync/events?edge=edge-d").get("events")) {
                if (event.get("kind").asText().equals("device_conflict")) {
                    conflict = event;
                }
            }
            assertThat(conflict).as("the conflict recorded in the cloud").isNotNull();
            assertThat(conflict.get("device_id").asText()).isEqualTo("dev-new");
            assertThat(conflict.at("/event/winner").asText()).isEqualTo("edge");
            assertThat(conflict.at("/event/lost/name").asText()).isEqualTo("cloud-name");
        });

        assertThat(cloud.send("DELETE", "/api/v1/devices/dev-new", null).statusCode())
                .isEqualTo(204);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> edge.send("GET", "/api/v1/devices/dev-new", null).statusCode() == 404);
    }

    /** Sends a reboot command to the device in {@code node}; its id. */
    static String submit(PlatformProcess node, String device) throws Exception {
        HttpResponse<String> sent = node.send(
                "POST", "/api/v1/devices/" + device + "/commands", "{\"type\":\"reboot\",\"timeout\":\"60s\"}");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        return PlatformProcess.JSON.readTree(sent.body()).get("command_id").asText();
    }

    private static boolean connects(int port, String id, String secret) {
        var client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        try {
            client.connect();
            client.disconnect();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
