package io.edgeward.http;

import static io.edgeward.core.config.Parsers.secret;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.config.Parsers;
import java.util.List;
import java.util.Objects;

/**
 * @param port TCP port; 0 picks a free one
 * @param adminToken the bearer token operators present; never logged
 * @param ddi the hawkBit DDI API devices poll for updates
 */
public record HttpSettings(String bindAddress, int port, String adminToken, DdiSettings ddi) {

    public HttpSettings(String bindAddress, int port, String adminToken) {
        this(bindAddress, port, adminToken, DdiSettings.DEFAULT);
    }

    public static final Key<String> BIND =
            new Key<>("http.bind-address", "0.0.0.0", string(), "Address the HTTP listener binds to.");
    public static final Key<Integer> PORT = new Key<>(
            "http.port", "8080", Parsers.port(), "HTTP port of the REST API, console and metrics; 0 picks a free one.");
    public static final Key<String> ADMIN_TOKEN = new Key<>(
            "admin.token",
            "",
            secret(16),
            "Bearer token for the REST API. Empty: generated on first start into <data-dir>/admin-token (mode 600).");
    public static final List<Key<?>> KEYS = List.of(BIND, PORT, ADMIN_TOKEN);

    /**
     * @param adminToken the token in force: {@link #ADMIN_TOKEN}'s value, or the one the node
     *     generated and keeps in its data directory when that is empty
     */
    public static HttpSettings from(Config config, String adminToken) {
        return new HttpSettings(config.get(BIND), config.get(PORT), adminToken, DdiSettings.from(config));
    }

    public HttpSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(adminToken, "adminToken");
        Objects.requireNonNull(ddi, "ddi");
        if (adminToken.length() < 16) {
            throw new IllegalArgumentException("the admin token must be at least 16 characters");
        }
    }

    @Override
    public String toString() {
        return "HttpSettings[bindAddress=" + bindAddress + ", port=" + port + ", adminToken=<redacted>, ddi=" + ddi
                + "]";
    }
}
