package io.edgeward.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.server.config.Configuration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A whole Edgeward node in this JVM on free ports, as `edgeward run` builds it, plus an API client. */
final class Node implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final Path dataDir;
    final Edgeward edgeward;
    final String token;
    final int mqttPort;
    final int httpPort;
    final int coapPort;
    final int coapsPort;
    private final HttpClient http = HttpClient.newHttpClient();

    Node(Path dataDir, Map<String, String> settings) throws Exception {
        this.dataDir = dataDir;
        Map<String, String> flags = new HashMap<>(settings);
        flags.put("data-dir", dataDir.toString());
        flags.putIfAbsent("mqtt.port", "0");
        flags.putIfAbsent("http.port", "0");
        flags.putIfAbsent("coap.port", "0");
        flags.putIfAbsent("coap.dtls-port", "0");
        flags.putIfAbsent("coap.bind-address", "127.0.0.1");
        flags.putIfAbsent("mqtt.bind-address", "127.0.0.1");
        flags.putIfAbsent("http.bind-address", "127.0.0.1");
        edgeward = new Edgeward(Configuration.load(null, Map.of(), flags));
        edgeward.start();
        JsonNode ports = JSON.readTree(dataDir.resolve("ports.json").toFile());
        mqttPort = ports.get("mqtt").asInt();
        httpPort = ports.get("http").asInt();
        coapPort = ports.get("coap").asInt();
        coapsPort = ports.get("coaps").asInt();
        token = Files.readString(dataDir.resolve("admin-token")).trim();
    }

    /** Registers a device and returns its MQTT password. */
    String register(String id) throws Exception {
        return credentials(id).get("password").asText();
    }

    /** Registers a device and returns its credentials (password, coap_psk, ...). */
    JsonNode credentials(String id) throws Exception {
        HttpResponse<String> reply =
                send("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"sensor\"}");
        if (reply.statusCode() != 201) {
            throw new AssertionError("registration failed: " + reply.statusCode() + " " + reply.body());
        }
        return JSON.readTree(reply.body()).get("credentials");
    }

    /** Uploads a firmware image ({@code query}: model, version, filename, ...); the release's id. */
    String uploadFirmware(String query, byte[] image) throws Exception {
        HttpResponse<String> reply = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/v1/firmware?" + query))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() != 201) {
            throw new AssertionError("upload refused: " + reply.statusCode() + " " + reply.body());
        }
        return JSON.readTree(reply.body()).path("id").asText();
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> reply = send("GET", path, null);
        if (reply.statusCode() != 200) {
            throw new AssertionError("GET " + path + " -> " + reply.statusCode() + " " + reply.body());
        }
        return JSON.readTree(reply.body());
    }

    String metrics() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The value of one Prometheus sample line, e.g. {@code edgeward_telemetry_rejected_total{reason="malformed"}}. */
    double metric(String sample) throws Exception {
        return metrics()
                .lines()
                .filter(line -> line.startsWith(sample + " "))
                .findFirst()
                .map(line -> Double.parseDouble(line.substring(sample.length() + 1)))
                .orElse(0.0);
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .header("Authorization", "Bearer " + token)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        edgeward.stop();
    }
}
