package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge-to-cloud sync over NATS JetStream (Debian's nats-server, started here; skipped with a
 * message when it is not installed): the edge publishes to its stream, the cloud reads it with a
 * durable pull consumer. nats-server is killed with SIGKILL and started again twice, the edge once;
 * afterwards the cloud holds exactly what the edge holds, every acknowledged point among it.
 */
class SyncNatsIT {

    @TempDir
    Path dir;

    private NatsServer nats;
    private PlatformProcess cloud;
    private PlatformProcess edge;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {edge, cloud, nats}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void natsServerAndEdgeKilled_everyAcknowledgedPointReachesTheCloudOnce() throws Exception {
        assumeTrue(NatsServer.installed(), "nats-server not installed (apt-get install nats-server); skipping");
        nats = new NatsServer(dir.resolve("nats"));
        nats.start();
        cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of(
                        "sync.role",
                        "cloud",
                        "sync.receive.nats-url",
                        nats.url(),
                        "processing.filters",
                        SyncIT.EVERY_POINT));
        cloud.start();
        HttpResponse<String> gateway =
                cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-n\",\"type\":\"gateway\"}");
        assertThat(gateway.statusCode()).as(gateway.body()).isEqualTo(201);

        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-n",
                        "sync.uplink.url", nats.url(),
                        "sync.interval.low", "0s",
                        "sync.backoff.max", "2s"));
        JsonNode ports = edge.start();
        String secret = edge.register("crash-dev");

        long base = System.currentTimeMillis() - 3_600_000L;
        NavigableSet<Long> acknowledged = new ConcurrentSkipListSet<>();
        long next = 0;
        for (String fault : new String[] {"kill-nats", "kill-edge", "kill-nats"}) {
            var publisher = new CrashScenarios.Publisher(ports.get("mqtt").asInt(), secret, base, next, acknowledged);
            publisher.start();
            long target = acknowledged.size() + ThreadLocalRandom.current().nextInt(500, 2000);
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= target);
            if (fault.equals("kill-nats")) {
                nats.kill();
                long during = acknowledged.size() + 300;
                await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= during);
                nats.start();
                publisher.stop();
            } else {
                edge.kill();
                publisher.stop();
                ports = edge.start();
            }
            next = publisher.nextSequence();
        }

        Set<Long> atEdge = SyncIT.sequences(edge, base);
        assertThat(atEdge).as("the edge stored what it acknowledged").containsAll(acknowledged);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(SyncIT.sequences(cloud, base))
                        .as("the cloud holds what the edge holds (%d acknowledged)", acknowledged.size())
                        .isEqualTo(atEdge));
        SyncIT.assertArrivedInOrder(cloud, atEdge.size());
        assertThat(cloud.get("/api/v1/sync").get("edges").get(0).get("edge_id").asText())
                .isEqualTo("edge-n");
    }

    @Test
    void downOverNats_commandsDesiredStateAndConfiguration_reachTheEdge_alsoWhatWasSentWhileItWasDown()
            throws Exception {
        assumeTrue(NatsServer.installed(), "nats-server not installed (apt-get install nats-server); skipping");
        nats = new NatsServer(dir.resolve("nats"));
        nats.start();
        cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of("sync.role", "cloud", "sync.receive.nats-url", nats.url()));
        cloud.start();
        assertThat(cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-m\",\"type\":\"gateway\"}")
                        .statusCode())
                .isEqualTo(201);
        Path edgeDir = Files.createDirectories(dir.resolve("edge"));
        Map<String, String> edgeSettings = Map.of(
                "sync.role", "edge",
                "sync.edge-id", "edge-m",
                "sync.uplink.url", nats.url(),
                "sync.backoff.max", "2s");
        edge = new PlatformProcess(edgeDir, edgeSettings);
        JsonNode ports = edge.start();
        String secret = edge.register("dev-m");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(cloud.get("/api/v1/devices/edge-m").get("status").asText())
                    .as("the edge, heard over NATS")
                    .isEqualTo("online");
            assertThat(cloud.get("/api/v1/devices/dev-m").get("edge").asText()).isEqualTo("edge-m");
        });

        try (CommandAnswerer device = new CommandAnswerer(ports.get("mqtt").asInt(), "dev-m", secret)) {
            String command = SyncDownlinkIT.submit(cloud, "dev-m");
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(cloud.get("/api/v1/devices/dev-m/commands/" + command)
                                    .get("status")
                                    .asText())
                            .isEqualTo("succeeded"));
        }
        HttpResponse<String> config = cloud.send(
                "PUT",
                "/api/v1/sync/edges/edge-m/config",
                "{\"rules\": [{\"id\": \"hot\", \"metric\": \"temperature\", \"condition\": \"value > 30\","
                        + " \"actions\": [{\"type\": \"log\"}]}]}");
        assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(cloud.get("/api/v1/sync/edges/edge-m/config")
                                .at("/applied/status")
                                .asText())
                        .isEqualTo("applied"));

        // The edge dies; the cloud still counts it connected for a while, so what it sends now goes to
        // the edge's down stream, and waits there.
        edge.kill();
        HttpResponse<String> desired =
                cloud.send("PATCH", "/api/v1/devices/dev-m/shadow", "{\"state\":{\"desired\":{\"led\":\"on\"}}}");
        assertThat(desired.statusCode()).as(desired.body()).isEqualTo(200);
        // Once it counts the edge away, a command waits in the cloud's queue instead.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> cloud.get("/api/v1/devices/edge-m")
                        .get("status")
                        .asText()
                        .equals("offline"));
        String queued = SyncDownlinkIT.submit(cloud, "dev-m");
        assertThat(cloud.get("/api/v1/devices/dev-m/commands/" + queued)
                        .get("status")
                        .asText())
                .isEqualTo("queued");

        edge = new PlatformProcess(edgeDir, edgeSettings);
        ports = edge.start();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(edge.get("/api/v1/devices/dev-m/shadow")
                                .at("/state/desired/led")
                                .asText())
                        .isEqualTo("on"));
        try (CommandAnswerer device = new CommandAnswerer(ports.get("mqtt").asInt(), "dev-m", secret)) {
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(cloud.get("/api/v1/devices/dev-m/commands/" + queued)
                                    .get("status")
                                    .asText())
                            .isEqualTo("succeeded"));
        }
    }

    /** tls:// with sync.uplink.tls.ca-file at both nodes: nats-server requiring TLS, a certificate made here. */
    @Test
    void overTls_pointsReachTheCloud() throws Exception {
        assumeTrue(NatsServer.installed(), "nats-server not installed (apt-get install nats-server); skipping");
        assumeTrue(TestCertificate.available(), "openssl not installed; skipping the TLS uplink test");
        TestCertificate certificate = TestCertificate.make(Files.createDirectories(dir.resolve("tls")));
        nats = new NatsServer(dir.resolve("nats"));
        nats.tls(certificate);
        nats.start();
        String ca = certificate.cert().toString();
        cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of("sync.role", "cloud", "sync.receive.nats-url", nats.url(), "sync.uplink.tls.ca-file", ca));
        cloud.start();
        assertThat(cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-t\",\"type\":\"gateway\"}")
                        .statusCode())
                .isEqualTo(201);
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role", "edge",
                        "sync.edge-id", "edge-t",
                        "sync.uplink.url", nats.url(),
                        "sync.uplink.tls.ca-file", ca,
                        "sync.interval.low", "0s"));
        JsonNode ports = edge.start();
        String secret = edge.register("dev-t");
        long base = System.currentTimeMillis() - 60_000;
        try (CommandAnswerer device = new CommandAnswerer(ports.get("mqtt").asInt(), "dev-t", secret)) {
            for (int i = 0; i < 50; i++) {
                device.client
                        .publishWith()
                        .topic("sensor/dev-t/telemetry")
                        .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"ts\":" + (base + i) + ",\"values\":{\"seq\":" + i + "}}")
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .send()
                        .get();
            }
        }
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(cloud.get("/api/v1/devices/dev-t/telemetry?metric=seq&limit=1000&from="
                                        + base + "&to=" + (base + 1000))
                                .get("points"))
                        .hasSize(50));
        assertThat(edge.get("/api/v1/sync").get("uplink").asText()).startsWith("tls://");
    }
}
