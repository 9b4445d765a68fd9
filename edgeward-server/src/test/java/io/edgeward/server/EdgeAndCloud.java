package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A cloud node and an edge forwarding to it over MQTT, each a process of its own, through a TCP link
 * the test can cut: the edge is the cloud's gateway device {@code edgeId}, and retries every second.
 */
final class EdgeAndCloud implements AutoCloseable {

    final PlatformProcess cloud;
    final LinkProxy link;
    final PlatformProcess edge;
    /** The edge's ports ({@code ports.json}). */
    final JsonNode edgePorts;

    private EdgeAndCloud(PlatformProcess cloud, LinkProxy link, PlatformProcess edge, JsonNode edgePorts) {
        this.cloud = cloud;
        this.link = link;
        this.edge = edge;
        this.edgePorts = edgePorts;
    }

    /** @param edgeSettings more settings of the edge (they win over the defaults here) */
    static EdgeAndCloud start(Path dir, String edgeId, Map<String, String> edgeSettings) throws Exception {
        int cloudMqtt = freePort();
        PlatformProcess cloud = new PlatformProcess(
                Files.createDirectories(dir.resolve("cloud")),
                Map.of("mqtt.port", String.valueOf(cloudMqtt), "sync.role", "cloud"));
        cloud.start();
        LinkProxy link = null;
        try {
            String password = gateway(cloud, edgeId);
            link = new LinkProxy(cloudMqtt);
            Map<String, String> settings = new HashMap<>(Map.of(
                    "sync.role",
                    "edge",
                    "sync.edge-id",
                    edgeId,
                    "sync.uplink.url",
                    "mqtt://127.0.0.1:" + link.port(),
                    "sync.uplink.password",
                    password,
                    "sync.backoff.max",
                    "1s"));
            settings.putAll(edgeSettings);
            PlatformProcess edge = new PlatformProcess(Files.createDirectories(dir.resolve("edge")), settings);
            return new EdgeAndCloud(cloud, link, edge, edge.start());
        } catch (Exception | AssertionError e) {
            if (link != null) {
                link.close();
            }
            cloud.close();
            throw e;
        }
    }

    /** Registers a gateway device at {@code node}; its MQTT password. */
    static String gateway(PlatformProcess node, String id) throws Exception {
        HttpResponse<String> created =
                node.send("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"gateway\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return PlatformProcess.JSON
                .readTree(created.body())
                .at("/credentials/password")
                .asText();
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        edge.close();
        cloud.close();
        link.close();
    }
}
