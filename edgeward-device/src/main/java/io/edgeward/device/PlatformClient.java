package io.edgeward.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small client of the Edgeward REST API, for the CLI and the simulator. */
public final class PlatformClient {

    /** A refusal by the API, carrying its HTTP status and problem detail. */
    public static final class ApiError extends IOException {
        private final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public PlatformClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** Registers a device; returns the API's answer including {@code credentials.password}. */
    public JsonNode registerDevice(
            String id, String type, String name, String model, String location, Iterable<String> tags)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("device_id", id).put("type", type);
        if (name != null) {
            body.put("name", name);
        }
        if (model != null) {
            body.put("model", model);
        }
        if (location != null) {
            body.put("location", location);
        }
        if (tags != null) {
            tags.forEach(body.putArray("tags")::add);
        }
        return send("POST", "/api/v1/devices", JSON.writeValueAsString(body));
    }

    /** A page of devices; {@code filters} are query parameters of the list endpoint (type, status, tag, model, q). */
    public JsonNode listDevices(int limit, String cursor, Map<String, String> filters)
            throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder("/api/v1/devices?limit=").append(limit);
        if (cursor != null) {
            query.append("&cursor=").append(encode(cursor));
        }
        filters.forEach((name, value) -> {
            if (value != null) {
                query.append('&').append(name).append('=').append(encode(value));
            }
        });
        return send("GET", query.toString(), null);
    }

    /** Issues a new secret; returns the API's answer including {@code credentials.password}. */
    public JsonNode rotateCredentials(String id) throws IOException, InterruptedException {
        return send("POST", "/api/v1/devices/" + encode(id) + "/rotate-credentials", null);
    }

    public void deleteDevice(String id) throws IOException, InterruptedException {
        send("DELETE", "/api/v1/devices/" + encode(id), null);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    private JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the Edgeward API at " + base + " (is `edgeward run` up?)", e);
        }
        JsonNode json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() >= 400) {
            throw new ApiError(
                    response.statusCode(),
                    method + " " + path + " -> " + response.statusCode() + ": "
                            + json.path("detail").asText(response.body()));
        }
        return json;
    }
}
