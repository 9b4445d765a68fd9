package io.edgeward.http;

import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The hawkBit Direct Device Integration API on the HTTP port.
 *
 * @param tenant the first path segment devices use ({@code /{tenant}/controller/v1/{id}})
 * @param pollInterval how often devices are told to poll ({@code config.polling.sleep})
 * @param gatewayToken a token that may speak for any device ({@code Authorization: GatewayToken}); empty: none
 */
public record DdiSettings(String tenant, Duration pollInterval, String gatewayToken) {

    public static final Key<String> TENANT = new Key<>(
            "ota.ddi.tenant",
            "DEFAULT",
            string(),
            "The hawkBit tenant devices name in their DDI paths (/{tenant}/controller/v1/{controllerId}).");
    public static final Key<Duration> POLL_INTERVAL = new Key<>(
            "ota.ddi.poll-interval",
            "1m",
            duration(Duration.ofSeconds(1), Duration.ofHours(24)),
            "How often hawkBit DDI devices are told to poll (config.polling.sleep).");
    public static final Key<String> GATEWAY_TOKEN = new Key<>(
            "ota.ddi.gateway-token",
            "",
            string(),
            "A token a gateway presents (Authorization: GatewayToken ...) to speak DDI for any device. Empty: only"
                    + " each device's own secret (TargetToken) is accepted.");
    public static final List<Key<?>> KEYS = List.of(TENANT, POLL_INTERVAL, GATEWAY_TOKEN);

    public static final DdiSettings DEFAULT = new DdiSettings("DEFAULT", Duration.ofMinutes(1), "");

    public static DdiSettings from(Config config) {
        return new DdiSettings(config.get(TENANT), config.get(POLL_INTERVAL), config.get(GATEWAY_TOKEN));
    }

    public DdiSettings {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(pollInterval, "pollInterval");
        gatewayToken = gatewayToken == null ? "" : gatewayToken;
        if (!tenant.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("ota.ddi.tenant must be 1 to 64 letters, digits, _ or -");
        }
        if (!gatewayToken.isEmpty() && gatewayToken.length() < 16) {
            throw new IllegalArgumentException("ota.ddi.gateway-token must be at least 16 characters");
        }
    }

    /** {@code HH:MM:SS}, as DDI clients parse it. */
    public String sleep() {
        long seconds = pollInterval.toSeconds();
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    @Override
    public String toString() {
        return "DdiSettings[tenant=" + tenant + ", pollInterval=" + pollInterval + ", gatewayToken="
                + (gatewayToken.isEmpty() ? "none" : "<redacted>") + "]";
    }
}
