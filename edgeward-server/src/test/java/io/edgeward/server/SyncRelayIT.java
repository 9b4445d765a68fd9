package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with both roles between an edge and a region (a site gateway): a device behind the edge
 * reaches the region with its record, every point once, its log, its reported shadow and the alarm
 * a rule at the edge raised, through the site; a command and a desired change made in the region
 * reach it through both links, and the command's outcome comes back.
 */
class SyncRelayIT {

    @TempDir
    Path dir;

    private PlatformProcess region;
    private PlatformProcess site;
    private PlatformProcess edge;

    @AfterEach
    void stop() {
        for (AutoCloseable part : new AutoCloseable[] {edge, site, region}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String gateway(PlatformProcess node, String id) throws Exception {
        HttpResponse<String> created =
                node.send("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"gateway\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return PlatformProcess.JSON
                .readTree(created.body())
                .at("/credentials/password")
                .asText();
    }

    @Test
    void aDeviceBehindAnEdge_reachesTheRegionThroughASiteWithBothRoles() throws Exception {
        int regionMqtt = freePort();
        region = new PlatformProcess(
                Files.createDirectories(dir.resolve("region")),
                Map.of("mqtt.port", String.valueOf(regionMqtt), "sync.role", "cloud"));
        region.start();
        int siteMqtt = freePort();
        site = new PlatformProcess(
                Files.createDirectories(dir.resolve("site")),
                Map.of(
                        "mqtt.port", String.valueOf(siteMqtt),
                        "sync.role", "edge,cloud",
                        "sync.edge-id", "site-b",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + regionMqtt,
                        "sync.uplink.password", gateway(region, "site-b"),
                        "sync.interval.low", "0s",
                        "sync.backoff.max", "1s"));
        site.start();
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-a",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + siteMqtt,
                        "sync.uplink.password", gateway(site, "edge-a"),
                        "sync.interval.low", "0s",
                        "sync.backoff.max", "1s"));
        JsonNode ports = edge.start();
        HttpResponse<String> rule = edge.send("POST", "/api/v1/rules", """
                {"id": "belt", "metric": "seq", "condition": "value >= 99",
                 "actions": [{"type": "alarm", "severity": "minor"}]}""");
        assertThat(rule.statusCode()).as(rule.body()).isEqualTo(201);
        HttpResponse<String> registered = edge.send(
                "POST", "/api/v1/devices", "{\"device_id\":\"dev-r\",\"model\":\"R1\",\"tags\":[\"line-3\"]}");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        String secret = PlatformProcess.JSON
                .readTree(registered.body())
                .at("/credentials/password")
                .asText();

        long base = System.currentTimeMillis() - 600_000;
        try (CommandAnswerer device = new CommandAnswerer(ports.get("mqtt").asInt(), "dev-r", secret)) {
            Mqtt5BlockingClient client = device.client.toBlocking();
            for (int i = 0; i < 100; i++) {
                client.publishWith()
                        .topic("sensor/dev-r/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"ts\":" + (base + i) + ",\"values\":{\"seq\":" + i + "}}")
                                .getBytes(StandardCharsets.UTF_8))
                        .send();
            }
            client.publishWith()
                    .topic("device/dev-r/shadow/update")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"state\":{\"reported\":{\"belt\":\"ok\"}}}".getBytes(StandardCharsets.UTF_8))
                    .send();
            client.publishWith()
                    .topic("device/dev-r/log")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"level\": \"warn\", \"message\": \"belt slipping\"}".getBytes(StandardCharsets.UTF_8))
                    .send();

            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                JsonNode record = region.get("/api/v1/devices/dev-r");
                assertThat(record.get("model").asText()).isEqualTo("R1");
                assertThat(record.get("tags").toString()).contains("line-3");
                assertThat(record.get("edge").asText())
                        .as("behind the site, as the region sees it")
                        .isEqualTo("site-b");
                JsonNode points = region.get("/api/v1/devices/dev-r/telemetry?metric=seq&limit=1000&from=" + base
                                + "&to=" + (base + 1000))
                        .get("points");
                Set<Long> values = new HashSet<>();
                points.forEach(point -> values.add(point.get("value").asLong()));
                assertThat(points.size()).as("each point once").isEqualTo(100);
                assertThat(values).hasSize(100);
                assertThat(region.get("/api/v1/devices/dev-r/logs").get("items"))
                        .extracting(line -> line.get("message").asText())
                        .containsExactly("belt slipping");
                assertThat(region.get("/api/v1/devices/dev-r/shadow")
                                .at("/state/reported/belt")
                                .asText())
                        .isEqualTo("ok");
                boolean alarm = false;
                for (JsonNode event :
                        region.get("/api/v1/sync/events?edge=site-b").get("events")) {
                    alarm |= event.get("kind").asText().equals("alarm")
                            && event.at("/event/rule_id").asText().equals("belt");
                }
                assertThat(alarm).as("the edge's alarm, relayed by the site").isTrue();
            });
            HttpResponse<String> desired =
                    region.send("PATCH", "/api/v1/devices/dev-r/shadow", "{\"state\":{\"desired\":{\"speed\":3}}}");
            assertThat(desired.statusCode()).as(desired.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(edge.get("/api/v1/devices/dev-r/shadow")
                                    .at("/state/desired/speed")
                                    .asInt())
                            .isEqualTo(3));

            // Down through both links: the region's command reaches the device, its outcome comes back.
            String command = SyncDownlinkIT.submit(region, "dev-r");
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(region.get("/api/v1/devices/dev-r/commands/" + command)
                                    .get("status")
                                    .asText())
                            .isEqualTo("succeeded"));
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
