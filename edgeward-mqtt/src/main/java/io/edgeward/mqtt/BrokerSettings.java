package io.edgeward.mqtt;

import static io.edgeward.core.config.Parsers.bool;
import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.integer;
import static io.edgeward.core.config.Parsers.size;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.config.Parsers;
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

    public static final Key<String> BIND =
            new Key<>("mqtt.bind-address", "0.0.0.0", string(), "Address the MQTT listener binds to.");
    public static final Key<Integer> PORT =
            new Key<>("mqtt.port", "1883", Parsers.port(), "MQTT TCP port; 0 picks a free one (see ports.json).");
    public static final Key<Boolean> ALLOW_ANONYMOUS = new Key<>(
            "mqtt.allow-anonymous",
            "false",
            bool(),
            "Accept MQTT clients without credentials. For closed test benches only; they still cannot publish into sensor/# or device/#.");
    public static final Key<Integer> MAX_PACKET_SIZE = new Key<>(
            "mqtt.max-packet-size",
            "1MiB",
            size(1024, 268_435_455),
            "Largest MQTT packet the broker accepts; larger ones close the connection (MQTT 5: DISCONNECT 0x95).");
    public static final Key<Integer> RECEIVE_MAXIMUM = new Key<>(
            "mqtt.receive-maximum",
            "10",
            integer(1, 65535),
            "Unacknowledged QoS 1/2 PUBLISHes a client may have in flight.");
    public static final Key<Duration> STORE_TIMEOUT = new Key<>(
            "mqtt.store-timeout",
            "2m",
            duration(Duration.ofSeconds(1), Duration.ofHours(1)),
            "Longest an MQTT acknowledgement is held for work without a bound of its own (a shadow update, a gateway's"
                    + " first message for a device) before the client is disconnected so that it resends; telemetry"
                    + " commits are bounded by pipeline.commit-timeout.");
    public static final Key<List<MqttUser>> USERS = Key.structured(
            "mqtt.users",
            "[]",
            new MqttUsers(),
            "Operator-defined MQTT users: a list of {username, password, publish: [filters], subscribe: [filters]}; "
                    + "%u and %c stand for the username and client id. As a variable: the same list in JSON.");
    public static final List<Key<?>> KEYS =
            List.of(BIND, PORT, ALLOW_ANONYMOUS, MAX_PACKET_SIZE, RECEIVE_MAXIMUM, STORE_TIMEOUT, USERS);

    /** The broker's settings from configuration; it keeps its files in {@code <dataDir>/broker}. */
    public static BrokerSettings from(Config config, Path dataDir) {
        return new BrokerSettings(
                config.get(BIND),
                config.get(PORT),
                config.get(MAX_PACKET_SIZE),
                config.get(RECEIVE_MAXIMUM),
                config.get(ALLOW_ANONYMOUS),
                config.get(USERS),
                config.get(STORE_TIMEOUT),
                dataDir.resolve("broker"));
    }

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
