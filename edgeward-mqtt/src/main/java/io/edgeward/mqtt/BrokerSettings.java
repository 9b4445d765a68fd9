package io.edgeward.mqtt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the embedded broker.
 *
 * @param port TCP port; 0 picks a free one
 * @param maxPacketSize MQTT packets larger than this are refused by the broker (a DISCONNECT);
 *     telemetry has its own, smaller payload limit answered with a PUBACK reason code
 * @param serverReceiveMaximum how many unacknowledged QoS 1/2 PUBLISHes one client may have in flight
 * @param allowAnonymous accept clients without credentials (for closed test benches only)
 * @param storeTimeout how long a telemetry PUBLISH may wait for its commit before the client is
 *     disconnected (so it resends), instead of being acknowledged
 * @param directory where the broker keeps its configuration and persistence (sessions, queued and
 *     retained messages)
 */
public record BrokerSettings(
        String bindAddress,
        int port,
        int maxPacketSize,
        int serverReceiveMaximum,
        boolean allowAnonymous,
        List<MqttUser> users,
        Duration storeTimeout,
        Path directory) {

    public BrokerSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(directory, "directory");
        users = users == null ? List.of() : List.copyOf(users);
        storeTimeout = storeTimeout == null ? Duration.ofMinutes(2) : storeTimeout;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535");
        }
    }
}
