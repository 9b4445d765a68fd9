package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's Sync panel in headless Chromium: at the edge, its streams and the link; at the
 * cloud node, the edge it receives.
 */
class ConsoleSyncIT {

    @TempDir
    Path dir;

    private PlatformProcess cloud;
    private PlatformProcess edge;
    private Browser browser;

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void syncPanel_showsTheEdgesStreams_andTheCloudsEdges() throws Exception {
        assumeTrue(
                ExternalProcess.onPath("chromium"),
                "chromium not installed (apt-get install chromium); skipping the console sync test");
        cloud = new PlatformProcess(Files.createDirectories(dir.resolve("cloud")), Map.of("sync.role", "cloud"));
        var cloudPorts = cloud.start();
        HttpResponse<String> gateway =
                cloud.send("POST", "/api/v1/devices", "{\"device_id\":\"edge-s\",\"type\":\"gateway\"}");
        assertThat(gateway.statusCode()).as(gateway.body()).isEqualTo(201);
        edge = new PlatformProcess(
                Files.createDirectories(dir.resolve("edge")),
                Map.of(
                        "sync.role",
                        "edge",
                        "sync.edge-id",
                        "edge-s",
                        "sync.uplink.url",
                        "mqtt://127.0.0.1:" + cloudPorts.get("mqtt").asInt(),
                        "sync.uplink.password",
                        PlatformProcess.JSON
                                .readTree(gateway.body())
                                .at("/credentials/password")
                                .asText()));
        edge.start();
        edge.register("dev-s");

        browser = new Browser(
                dir.resolve("chromium-edge"),
                "http://127.0.0.1:" + edge.httpPort() + "/#token=" + PlatformProcess.TOKEN);
        browser.until(
                "document.getElementById('sync-stream-high') !== null"
                        + " && document.getElementById('sync-summary').textContent.includes('link up')",
                Duration.ofSeconds(30));
        assertThat(browser.evaluate("document.getElementById('sync-summary').textContent")
                        .asText())
                .contains("edge edge-s");
        assertThat(browser.evaluate("document.getElementById('sync-stream-low').cells.length")
                        .asInt())
                .isEqualTo(6);
        browser.close();

        HttpResponse<String> config = cloud.send(
                "PUT",
                "/api/v1/sync/edges/edge-s/config",
                "{\"rules\": [{\"id\": \"hot\", \"metric\": \"temperature\", \"condition\": \"value > 30\","
                        + " \"actions\": [{\"type\": \"log\"}]}]}");
        assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
        browser = new Browser(
                dir.resolve("chromium-cloud"),
                "http://127.0.0.1:" + cloud.httpPort() + "/#token=" + PlatformProcess.TOKEN);
        browser.until("document.getElementById('sync-edge-edge-s') !== null", Duration.ofSeconds(30));
        browser.until(
                "document.getElementById('sync-edge-edge-s').cells[4].textContent === 'v1 applied'",
                Duration.ofSeconds(30));
        assertThat(browser.evaluate("document.getElementById('sync-summary').textContent")
                        .asText())
                .contains("1 edge(s)");
        assertThat(browser.evaluate("document.getElementById('sync-streams-table').hidden")
                        .asBoolean())
                .as("a cloud node forwards nothing: no streams table")
                .isTrue();
    }
}
