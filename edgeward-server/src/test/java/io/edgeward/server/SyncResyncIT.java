package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-sync fills a cloud node that was wiped: the cloud loses its data directory and comes back
 * empty; asked from the cloud, the edge sends its history again from its own store, and the cloud
 * ends with exactly what the edge has.
 */
class SyncResyncIT {

    @TempDir
    Path dir;

    private PlatformProcess cloud;
    private PlatformProcess edge;

    @AfterEach
    void stop() {
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private String startCloud(int mqtt) throws Exception {
        cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of("mqtt.port", String.valueOf(mqtt), "sync.role", "cloud"));
        cloud.start();
        HttpResponse<String> gateway =
                cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-r\",\"type\":\"gateway\"}");
        assertThat(gateway.statusCode()).as(gateway.body()).isEqualTo(201);
        return PlatformProcess.JSON
                .readTree(gateway.body())
                .at("/credentials/password")
                .asText();
    }

    private JsonNode startEdge(int cloudMqtt, String password) throws Exception {
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-r",
                        "sync.uplink.url", "mqtt://127.0.0.1:" + cloudMqtt,
                        "sync.uplink.password", password,
                        "sync.interval.low", "0s",
                        "sync.backoff.max", "1s"));
        return edge.start();
    }

    @Test
    void aWipedCloud_isFilledAgain_byAResyncItAsksFor() throws Exception {
        int cloudMqtt = freePort();
        JsonNode ports = startEdge(cloudMqtt, startCloud(cloudMqtt));
        String secret = edge.register("crash-dev");
        long base = System.currentTimeMillis() - 3_600_000L;
        NavigableSet<Long> acknowledged = new ConcurrentSkipListSet<>();
        var publisher = new CrashScenarios.Publisher(ports.get("mqtt").asInt(), secret, base, 0, acknowledged);
        publisher.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 3000);
        publisher.stop();
        Set<Long> atEdge = SyncIT.sequences(edge, base);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(SyncIT.sequences(cloud, base)).isEqualTo(atEdge));

        // The cloud loses everything; the edge, told its new credentials, reconnects to an empty cloud.
        cloud.kill();
        try (var files = Files.walk(dir.resolve("cloud"))) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
        String password = startCloud(cloudMqtt);
        edge.kill();
        startEdge(cloudMqtt, password);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.get("/api/v1/devices/edge-r")
                        .get("status")
                        .asText()
                        .equals("online"));
        assertThat(cloud.send("GET", "/api/v1/devices/crash-dev/telemetry?metric=seq&from=" + base, null)
                        .statusCode())
                .as("the wiped cloud knows nothing of the device")
                .isEqualTo(404);

        // Asked once the edge is connected and subscribed to what goes down (409 "ask again" before).
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cloud.send("POST", "/api/v1/sync/edges/edge-r/resync", "{}")
                                .statusCode()
                        == 202);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(SyncIT.sequences(cloud, base)).isEqualTo(atEdge));
        JsonNode progress = edge.get("/api/v1/sync/resync");
        assertThat(progress.get("state").asText()).isEqualTo("done");
        assertThat(progress.get("points").asLong()).isGreaterThanOrEqualTo(atEdge.size());
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
