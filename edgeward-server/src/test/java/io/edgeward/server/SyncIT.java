package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge-to-cloud sync through a bad link, with real processes: a cloud node and an edge node (the
 * packaged jar each), a TCP link between them under the test's control, a device publishing QoS 1
 * to the edge. The link is cut, the edge killed with SIGKILL, the cloud killed and restarted;
 * afterwards every point the edge acknowledged is in the cloud, and the cloud holds exactly what
 * the edge holds (a point is stored once per (device, metric, time), so a resent frame cannot add
 * one twice; the marks make the resend skip what was stored).
 */
class SyncIT {

    @TempDir
    Path dir;

    private PlatformProcess cloud;
    private PlatformProcess edge;
    private LinkProxy link;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {edge, cloud, link}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void linkCutsAndKills_everyAcknowledgedPointReachesTheCloudOnce() throws Exception {
        int cloudMqtt = freePort();
        cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of(
                        "mqtt.port",
                        String.valueOf(cloudMqtt),
                        "http.port",
                        String.valueOf(freePort()),
                        "sync.role",
                        "cloud",
                        "processing.filters",
                        EVERY_POINT));
        cloud.start();
        HttpResponse<String> gateway =
                cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-1\",\"type\":\"gateway\"}");
        assertThat(gateway.statusCode()).as(gateway.body()).isEqualTo(201);
        String gatewaySecret = PlatformProcess.JSON
                .readTree(gateway.body())
                .at("/credentials/password")
                .asText();

        link = new LinkProxy(cloudMqtt);
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-1",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + link.port(),
                        "sync.uplink.password", gatewaySecret,
                        "sync.interval.low", "0s",
                        "sync.backoff.max", "2s"));
        JsonNode ports = edge.start();
        String secret = edge.register("crash-dev");

        long base = System.currentTimeMillis() - 3_600_000L;
        NavigableSet<Long> acknowledged = new ConcurrentSkipListSet<>();
        long next = 0;
        String[] faults = {"cut", "kill-edge", "cut", "kill-cloud", "cut"};
        for (String fault : faults) {
            var publisher = new CrashScenarios.Publisher(ports.get("mqtt").asInt(), secret, base, next, acknowledged);
            publisher.start();
            long target = acknowledged.size() + ThreadLocalRandom.current().nextInt(500, 2000);
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= target);
            switch (fault) {
                case "cut" -> {
                    link.cut();
                    long outage = ThreadLocalRandom.current().nextLong(1000, 4000);
                    // Devices go on publishing to the edge while its link is down.
                    long during = acknowledged.size() + 300;
                    await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= during);
                    await().pollDelay(Duration.ofMillis(outage)).until(() -> true);
                    link.restore();
                    publisher.stop();
                }
                case "kill-edge" -> {
                    edge.kill();
                    publisher.stop();
                    ports = edge.start();
                }
                case "kill-cloud" -> {
                    cloud.kill();
                    long during = acknowledged.size() + 300;
                    await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= during);
                    cloud.start();
                    publisher.stop();
                }
                default -> throw new IllegalStateException(fault);
            }
            next = publisher.nextSequence();
        }

        Set<Long> atEdge = sequences(edge, base);
        assertThat(atEdge).as("the edge stored what it acknowledged").containsAll(acknowledged);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(sequences(cloud, base))
                        .as("the cloud holds what the edge holds (%d acknowledged)", acknowledged.size())
                        .isEqualTo(atEdge));
        assertArrivedInOrder(cloud, atEdge.size());
        JsonNode device = cloud.get("/api/v1/devices/crash-dev");
        assertThat(device.get("device_id").asText()).isEqualTo("crash-dev");
        JsonNode status = edge.get("/api/v1/sync");
        assertThat(status.get("link").asText()).isEqualTo("up");
        JsonNode edges = cloud.get("/api/v1/sync").get("edges");
        assertThat(edges).hasSize(1);
        assertThat(edges.get(0).get("edge_id").asText()).isEqualTo("edge-1");
    }

    /** A filter at the cloud that passes every point into its reduced stream, in the order they were committed there. */
    static final String EVERY_POINT =
            "[{\"name\": \"arrival\", \"match\": {\"metric\": \"seq\"}, \"change-driven\": true}]";

    /**
     * In order per device: the cloud committed the device's points in the order they were published
     * (each seq after the one before), each once, as its reduced stream (EVERY_POINT) recorded them.
     */
    static void assertArrivedInOrder(PlatformProcess cloud, int expected) throws Exception {
        java.util.List<Long> arrival = new java.util.ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode records = cloud.get("/api/v1/processing/stream?device=crash-dev&limit=10000&after=" + after)
                    .get("records");
            if (records.isEmpty()) {
                break;
            }
            for (JsonNode record : records) {
                arrival.add(record.get("value").asLong());
                after = record.get("seq").asLong();
            }
        }
        assertThat(arrival).as("every point once in the cloud's stream").hasSize(expected);
        assertThat(arrival).as("in the order the device published them").isSorted();
    }

    static Set<Long> sequences(PlatformProcess node, long base) throws Exception {
        Set<Long> stored = new HashSet<>();
        JsonNode points = node.get("/api/v1/devices/crash-dev/telemetry?metric=seq&limit=100000&from=" + base + "&to="
                        + (base + 3_000_000))
                .get("points");
        points.forEach(p -> stored.add(p.get("value").asLong()));
        assertThat(points.size()).as("each point once").isEqualTo(stored.size());
        return stored;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
