package io.edgeward.server.config;

import static io.edgeward.server.config.Parsers.bool;
import static io.edgeward.server.config.Parsers.duration;
import static io.edgeward.server.config.Parsers.integer;
import static io.edgeward.server.config.Parsers.port;
import static io.edgeward.server.config.Parsers.size;
import static io.edgeward.server.config.Parsers.string;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Every configuration key of Edgeward, in the order the reference lists them. */
public final class Keys {

    public static final Key<Path> DATA_DIR = new Key<>("data-dir", "./data", Parsers.path(),
            "Directory for the database, broker persistence, admin token and ports.json.");
    public static final Key<String> LOG_LEVEL = new Key<>("log.level", "INFO", Parsers.oneOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR"),
            "Level of Edgeward's own log lines.");

    public static final Key<String> MQTT_BIND = new Key<>("mqtt.bind-address", "0.0.0.0", string(),
            "Address the MQTT listener binds to.");
    public static final Key<Integer> MQTT_PORT = new Key<>("mqtt.port", "1883", port(),
            "MQTT TCP port; 0 picks a free one (see ports.json).");
    public static final Key<Boolean> MQTT_ALLOW_ANONYMOUS = new Key<>("mqtt.allow-anonymous", "false", bool(),
            "Accept MQTT clients without credentials. For closed test benches only; they still cannot publish into sensor/# or device/#.");
    public static final Key<Integer> MQTT_MAX_PACKET_SIZE = new Key<>("mqtt.max-packet-size", "1MiB", size(1024, 268_435_455),
            "Largest MQTT packet the broker accepts; larger ones close the connection (MQTT 5: DISCONNECT 0x95).");
    public static final Key<Integer> MQTT_RECEIVE_MAXIMUM = new Key<>("mqtt.receive-maximum", "10", integer(1, 65535),
            "Unacknowledged QoS 1/2 PUBLISHes a client may have in flight.");
    public static final Key<Duration> MQTT_STORE_TIMEOUT = new Key<>("mqtt.store-timeout", "2m", duration(Duration.ofSeconds(1), Duration.ofHours(1)),
            "How long a telemetry PUBLISH may wait for its commit before the client is disconnected so that it resends.");

    public static final Key<String> HTTP_BIND = new Key<>("http.bind-address", "0.0.0.0", string(),
            "Address the HTTP listener binds to.");
    public static final Key<Integer> HTTP_PORT = new Key<>("http.port", "8080", port(),
            "HTTP port of the REST API, console and metrics; 0 picks a free one.");

    public static final Key<String> COAP_BIND = new Key<>("coap.bind-address", "0.0.0.0", string(),
            "Address the CoAP listeners (UDP) bind to.");
    public static final Key<Integer> COAP_PORT = new Key<>("coap.port", "5683", port(),
            "Plain CoAP UDP port; 0 picks a free one.");
    public static final Key<Integer> COAP_DTLS_PORT = new Key<>("coap.dtls-port", "5684", port(),
            "CoAP over DTLS 1.2 (PSK) UDP port; 0 picks a free one.");
    public static final Key<Boolean> COAP_PLAIN_TOKEN_AUTH = new Key<>("coap.plain-token-auth", "false", bool(),
            "Serve plain (unencrypted) CoAP to devices that put their secret in the path, /api/v1/{token}/...; off: every plain request gets 4.01.");
    public static final Key<Duration> COAP_OBSERVE_CHECK = new Key<>("coap.observe-check-interval", "2m",
            duration(Duration.ofSeconds(1), Duration.ofHours(24)),
            "How often observers of /commands get a confirmable notification, so that a device gone silent is shown offline.");

    public static final Key<String> ADMIN_TOKEN = new Key<>("admin.token", "", Parsers.secret(16),
            "Bearer token for the REST API. Empty: generated on first start into <data-dir>/admin-token (mode 600).");

    public static final Key<String> STORE_URL = new Key<>("store.url", "", Parsers.jdbcUrl(),
            "JDBC URL of the relational store. Empty: SQLite file <data-dir>/edgeward.db.");
    public static final Key<String> STORE_USERNAME = new Key<>("store.username", "", string(), "Database user (PostgreSQL).");
    public static final Key<String> STORE_PASSWORD = new Key<>("store.password", "", string(), "Database password (PostgreSQL).");
    public static final Key<Integer> STORE_POOL_SIZE = new Key<>("store.pool-size", "4", integer(1, 64),
            "Database connections in the pool.");

    public static final Key<Integer> TELEMETRY_MAX_PAYLOAD = new Key<>("telemetry.max-payload-bytes", "256KiB", size(64, 16 * 1024 * 1024),
            "Largest telemetry payload; larger ones are refused (MQTT 5: PUBACK 0x97) and counted.");
    public static final Key<Integer> TELEMETRY_MAX_POINTS = new Key<>("telemetry.max-points-per-message", "10000", integer(1, 1_000_000),
            "Most points in one telemetry message; more refuses the message.");
    public static final Key<Duration> TELEMETRY_MAX_FUTURE_SKEW = new Key<>("telemetry.max-future-skew", "1h",
            duration(Duration.ZERO, Duration.ofDays(365)),
            "Points stamped further than this after their arrival are refused (timestamp_out_of_range).");
    public static final Key<Integer> TELEMETRY_MAX_STRING = new Key<>("telemetry.max-string-length", "4096", integer(1, 1_000_000),
            "Longest string value accepted in telemetry.");
    public static final Key<Integer> TELEMETRY_MAX_UNIT = new Key<>("telemetry.max-unit-length", "32", integer(1, 256),
            "Longest unit accepted in telemetry; a point with a longer one is refused (too_large). Units are kept once per series.");

    public static final Key<Integer> PIPELINE_QUEUE_CAPACITY = new Key<>("pipeline.queue-capacity", "20000", integer(1, 10_000_000),
            "Messages waiting for the writer; when full, acknowledgements wait (nothing is dropped).");
    public static final Key<Integer> PIPELINE_MAX_BATCH_POINTS = new Key<>("pipeline.max-batch-points", "10000", integer(1, 1_000_000),
            "Most points committed in one transaction (one fsync).");
    public static final Key<Duration> PIPELINE_MIN_COMMIT_INTERVAL = new Key<>("pipeline.min-commit-interval", "2ms",
            duration(Duration.ZERO, Duration.ofSeconds(1)),
            "Least time between the starts of two group commits: bounds commits (fsyncs) per second and lets batches grow. 0 = none.");
    public static final Key<Duration> PIPELINE_COMMIT_TIMEOUT = new Key<>("pipeline.commit-timeout", "2m",
            duration(Duration.ofSeconds(1), Duration.ofHours(1)),
            "How long a telemetry message (any transport) may wait, queued and committing, before it is refused so that the device resends.");

    public static final Key<Boolean> METRICS_PER_DEVICE = new Key<>("metrics.per-device-labels", "false", bool(),
            "Add a device_id label to iot_device_data_received_total. One Prometheus series per device: keep off for large fleets.");

    public static final Key<Integer> SHADOW_MAX_STATE = new Key<>("shadow.max-state-bytes", "8KiB", size(256, 1024 * 1024),
            "Largest shadow state (desired plus reported, as JSON); a bigger update is refused with 413.");
    public static final Key<Integer> SHADOW_MAX_DEPTH = new Key<>("shadow.max-depth", "6", integer(1, 32),
            "Deepest nesting allowed in desired or reported; deeper is refused with 400.");
    public static final Key<Integer> SHADOW_HISTORY_VERSIONS = new Key<>("shadow.history-versions", "100", integer(1, 1_000_000),
            "Shadow versions kept per device for /shadow/history, the current one included.");
    public static final Key<String> SHADOW_REPORTED_METRICS = new Key<>("shadow.reported-metrics", "*", string(),
            "Telemetry metrics whose latest value is copied into the shadow's reported state: * for all, a comma list, or empty for none.");
    public static final Key<Duration> SHADOW_REPORTED_INTERVAL = new Key<>("shadow.reported-interval", "1s",
            duration(Duration.ofMillis(100), Duration.ofHours(1)),
            "How often telemetry is folded into reported state: a burst costs one shadow write per device per interval.");
    public static final Key<Duration> COMMANDS_DEFAULT_TTL = new Key<>("commands.default-ttl", "1h", duration(Duration.ZERO, Duration.ofDays(7)),
            "How long a command waits for an offline device when the request gives no ttl.");

    /** A list of {username, password, publish: [filters], subscribe: [filters]}; from YAML, or JSON in the variable. */
    public static final String MQTT_USERS = "mqtt.users";

    public static final List<Key<?>> ALL = List.of(DATA_DIR, LOG_LEVEL, MQTT_BIND, MQTT_PORT, MQTT_ALLOW_ANONYMOUS,
            MQTT_MAX_PACKET_SIZE, MQTT_RECEIVE_MAXIMUM, MQTT_STORE_TIMEOUT, HTTP_BIND, HTTP_PORT, COAP_BIND, COAP_PORT,
            COAP_DTLS_PORT, COAP_PLAIN_TOKEN_AUTH, COAP_OBSERVE_CHECK, ADMIN_TOKEN, STORE_URL,
            STORE_USERNAME, STORE_PASSWORD, STORE_POOL_SIZE, TELEMETRY_MAX_PAYLOAD, TELEMETRY_MAX_POINTS,
            TELEMETRY_MAX_FUTURE_SKEW, TELEMETRY_MAX_STRING, TELEMETRY_MAX_UNIT, PIPELINE_QUEUE_CAPACITY, PIPELINE_MAX_BATCH_POINTS,
            PIPELINE_MIN_COMMIT_INTERVAL, PIPELINE_COMMIT_TIMEOUT, METRICS_PER_DEVICE,
            SHADOW_MAX_STATE, SHADOW_MAX_DEPTH, SHADOW_HISTORY_VERSIONS, SHADOW_REPORTED_METRICS, SHADOW_REPORTED_INTERVAL,
            COMMANDS_DEFAULT_TTL);

    private Keys() {}
}
