package io.edgeward.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

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

    /** POSTs {@code body} (JSON, or nothing when null). */
    public JsonNode post(String path, String body) throws IOException, InterruptedException {
        return send("POST", path, body);
    }

    public void delete(String path) throws IOException, InterruptedException {
        send("DELETE", path, null);
    }

    /**
     * Uploads a firmware image, streamed from {@code file} (no size limit here; the node has
     * {@code ota.max-image-size}); {@code progress} is told the bytes sent so far.
     *
     * @param query the release's metadata as query parameters (model, version, min_version, …)
     * @param vendorSignature the vendor's own signature of the image, base64, or null
     */
    public JsonNode uploadFirmware(Path file, Map<String, String> query, String vendorSignature, LongConsumer progress)
            throws IOException, InterruptedException {
        StringBuilder path = new StringBuilder("/api/v1/firmware");
        char separator = '?';
        for (Map.Entry<String, String> parameter : query.entrySet()) {
            if (parameter.getValue() != null) {
                path.append(separator)
                        .append(encode(parameter.getKey()))
                        .append('=')
                        .append(encode(parameter.getValue()));
                separator = '&';
            }
        }
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return new CountingInputStream(Files.newInputStream(file), progress);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }),
                Files.size(file));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/octet-stream");
        if (vendorSignature != null) {
            headers.put("X-Vendor-Signature", vendorSignature);
        }
        return send("POST", path.toString(), body, headers, null);
    }

    private JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
        return send(
                method,
                path,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body),
                body == null ? Map.of() : Map.of("Content-Type", "application/json"),
                Duration.ofSeconds(30));
    }

    private JsonNode send(
            String method, String path, HttpRequest.BodyPublisher body, Map<String, String> headers, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + token)
                .method(method, body);
        if (timeout != null) {
            request.timeout(timeout);
        }
        headers.forEach(request::header);
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

    /** Tells {@code progress} the bytes read so far. */
    private static final class CountingInputStream extends FilterInputStream {
        private final LongConsumer progress;
        private long count;

        CountingInputStream(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                progress.accept(++count);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
                progress.accept(count);
            }
            return n;
        }
    }
}
