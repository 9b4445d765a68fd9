package io.edgeward.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.device.PlatformClient;
import io.edgeward.server.Edgeward;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a CLI command finds the API and its token: flags first, then {@code EDGEWARD_ADMIN_TOKEN},
 * then the data directory of a local node ({@code ports.json}, {@code admin-token}).
 */
final class ApiTarget {

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "Edgeward HTTP API (default: from <data-dir>/ports.json, else http://localhost:8080).")
    URI url;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "Admin token (default: EDGEWARD_ADMIN_TOKEN, else <data-dir>/admin-token).")
    String token;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Data directory of a local node (default: EDGEWARD_DATA_DIR, else ./data).")
    Path dataDir;

    Path dataDir() {
        if (dataDir != null) {
            return dataDir;
        }
        String env = System.getenv("EDGEWARD_DATA_DIR");
        return Path.of(env == null || env.isBlank() ? "./data" : env);
    }

    URI url() throws IOException {
        if (url != null) {
            return url;
        }
        JsonNode ports = ports();
        return URI.create(
                "http://localhost:" + (ports == null ? 8080 : ports.path("http").asInt(8080)));
    }

    /** The MQTT port of the local node, if its ports.json says. */
    Integer mqttPort() throws IOException {
        JsonNode ports = ports();
        return ports == null || !ports.has("mqtt") ? null : ports.get("mqtt").asInt();
    }

    String token() throws IOException {
        if (token != null) {
            return token;
        }
        String env = System.getenv("EDGEWARD_ADMIN_TOKEN");
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path file = dataDir().resolve("admin-token");
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        throw new IOException(
                "no admin token: pass --token, set EDGEWARD_ADMIN_TOKEN, or point --data-dir at the node's data directory");
    }

    /** A call to the API from a command. */
    @FunctionalInterface
    interface Call {
        void run(PlatformClient client) throws Exception;
    }

    /** Runs {@code call}; a refusal of the API is printed as such, exit code 1. */
    int refusing(Call call) throws Exception {
        try {
            call.run(client());
            return 0;
        } catch (PlatformClient.ApiError e) {
            System.err.println("Refused: " + e.getMessage());
            return 1;
        }
    }

    PlatformClient client() throws IOException {
        return new PlatformClient(url(), token());
    }

    private JsonNode ports() throws IOException {
        Path file = dataDir().resolve(Edgeward.PORTS_FILE);
        return Files.exists(file) ? new ObjectMapper().readTree(file.toFile()) : null;
    }
}
