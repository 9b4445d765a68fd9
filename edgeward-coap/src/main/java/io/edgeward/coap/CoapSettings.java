package io.edgeward.coap;

import static io.edgeward.core.config.Parsers.bool;
import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.config.Parsers;
import io.edgeward.core.telemetry.TelemetryLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the CoAP server.
 *
 * @param bindAddress address both UDP listeners bind to
 * @param port plain CoAP port (0 = a free one)
 * @param dtlsPort CoAP over DTLS 1.2 port (0 = a free one)
 * @param plainTokenAuth whether plain CoAP serves devices that put their access token in the path
 *     ({@code /api/v1/{token}/...}); off, every plain request is refused with 4.01
 * @param maxBodyBytes largest request body, also reassembled from blocks (RFC 7959); larger: 4.13
 * @param observeCheck how often observers of {@code /commands} get a confirmable notification, so
 *     that a device that went away without cancelling is noticed and shown offline
 */
public record CoapSettings(
        String bindAddress, int port, int dtlsPort, boolean plainTokenAuth, int maxBodyBytes, Duration observeCheck) {

    public static final Key<String> BIND =
            new Key<>("coap.bind-address", "0.0.0.0", string(), "Address the CoAP listeners (UDP) bind to.");
    public static final Key<Integer> PORT =
            new Key<>("coap.port", "5683", Parsers.port(), "Plain CoAP UDP port; 0 picks a free one.");
    public static final Key<Integer> DTLS_PORT = new Key<>(
            "coap.dtls-port", "5684", Parsers.port(), "CoAP over DTLS 1.2 (PSK) UDP port; 0 picks a free one.");
    public static final Key<Boolean> PLAIN_TOKEN_AUTH = new Key<>(
            "coap.plain-token-auth",
            "false",
            bool(),
            "Serve plain (unencrypted) CoAP to devices that put their secret in the path, /api/v1/{token}/...; off: every plain request gets 4.01.");
    public static final Key<Duration> OBSERVE_CHECK = new Key<>(
            "coap.observe-check-interval",
            "2m",
            duration(Duration.ofSeconds(1), Duration.ofHours(24)),
            "How often observers of /commands get a confirmable notification, so that a device gone silent is shown offline.");
    public static final List<Key<?>> KEYS = List.of(BIND, PORT, DTLS_PORT, PLAIN_TOKEN_AUTH, OBSERVE_CHECK);

    /** CoAP's settings; a request body may be as large as a telemetry payload may. */
    public static CoapSettings from(Config config) {
        return new CoapSettings(
                config.get(BIND),
                config.get(PORT),
                config.get(DTLS_PORT),
                config.get(PLAIN_TOKEN_AUTH),
                config.get(TelemetryLimits.MAX_PAYLOAD),
                config.get(OBSERVE_CHECK));
    }

    public CoapSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(observeCheck, "observeCheck");
        if (maxBodyBytes < 64) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 64");
        }
    }
}
