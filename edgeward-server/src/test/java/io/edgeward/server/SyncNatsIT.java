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
}
