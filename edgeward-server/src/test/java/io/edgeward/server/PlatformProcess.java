package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The packaged node ({@code edgeward.jar}, which failsafe passes) as a process of its own on a data
 * directory, started on free ports and killed with SIGKILL, as crash tests need; with an admin
 * client for its REST API.
 */
final class PlatformProcess implements AutoCloseable {

    static final String TOKEN = "crash-test-admin-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Map<String, String> settings;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private JsonNode ports;

    /** @param settings {@code --set key=value} flags besides the defaults */
    /** @param settings {@code --set} settings; {@code mqtt.port} and {@code http.port} fix the ports across restarts (default: free ones) */
    PlatformProcess(Path dir, Map<String, String> settings) {
        this.dir = dir;
        this.settings = Map.copyOf(settings);
    }

    /** Starts the node and waits for its ports file (written once every listener is up). */
    JsonNode start() throws Exception {
        Path portsFile = dir.resolve("ports.json");
        Files.deleteIfExists(portsFile);
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = System.getProperty("edgeward.jar");
        assertThat(jar).as("failsafe passes the packaged jar as edgeward.jar").isNotNull();
        ProcessBuilder builder = new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar,
                "run",
                "--data-dir",
                dir.toString(),
                "--mqtt-port",
                settings.getOrDefault("mqtt.port", "0"),
                "--http-port",
                settings.getOrDefault("http.port", "0"),
                "--coap-port",
                "0",
                "--coaps-port",
                "0",
                "--set",
                "mqtt.bind-address=127.0.0.1",
                "--set",
                "http.bind-address=127.0.0.1",
                "--set",
                "coap.bind-address=127.0.0.1");
        settings.forEach((key, value) -> {
            if (!key.equals("mqtt.port") && !key.equals("http.port")) {
                builder.command().addAll(List.of("--set", key + "=" + value));
            }
        });
        builder.environment().put("EDGEWARD_ADMIN_TOKEN", TOKEN);
        builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("platform.log").toFile()));
        process = builder.start();
        Process started = process;
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .failFast("the platform exited during start-up (see platform.log)", () -> !started.isAlive())
                .until(() -> Files.exists(portsFile));
        ports = JSON.readTree(portsFile.toFile());
        return ports;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    int httpPort() {
        return ports.get("http").asInt();
    }

    int mqttPort() {
        return ports.get("mqtt").asInt();
    }

    HttpResponse<String> send(String method, String pathAndQuery, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + pathAndQuery))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET, expecting 200. */
    JsonNode get(String pathAndQuery) throws Exception {
        HttpResponse<String> reply = send("GET", pathAndQuery, null);
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        return JSON.readTree(reply.body());
    }

    /** Registers a device and returns its MQTT password. */
    String register(String id) throws Exception {
        HttpResponse<String> reply = send("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\"}");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
        return JSON.readTree(reply.body()).at("/credentials/password").asText();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
        }
    }
}
