package io.edgeward.core.sync;

import static io.edgeward.core.config.Parsers.bytes;
import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How a node takes part in edge-to-cloud sync.
 *
 * @param roles {@code edge} (forwards to an uplink), {@code cloud} (receives edges), both, or none
 * @param edgeId this edge's id: unique across the fleet, the gateway device it is at the cloud
 * @param uplink where an edge sends, and how
 * @param receive at a node receiving edges: the NATS server whose JetStream holds their streams (url null: none)
 * @param mediumInterval how often the medium stream is sent (it is also sent when a batch is full)
 * @param lowInterval how often the low stream is sent
 * @param raw the stream raw telemetry goes to, unless an override says otherwise
 * @param overrides per metric, device, type or tag: the first that selects a series wins
 * @param maxDisk the outbox's payload bytes beyond which low, then medium rows are evicted
 * @param maxBatch the most payload bytes one frame carries, before compression
 * @param compression {@code gzip}, {@code zstd} or {@code none}
 * @param maxBackoff the longest wait between two attempts after failures
 * @param maxRate records per second the uplink sends at most (a backlog's drain); 0 for no limit
 */
public record SyncSettings(
        Set<Role> roles,
        String edgeId,
        UplinkSettings uplink,
        UplinkSettings receive,
        Duration mediumInterval,
        Duration lowInterval,
        Priority raw,
        List<ForwardRule> overrides,
        long maxDisk,
        long maxBatch,
        Compression compression,
        Duration maxBackoff,
        long maxRate,
        Priority reduced,
        Priority logs) {

    /** With the reduced stream on medium and device logs on low, the defaults. */
    public SyncSettings(
            Set<Role> roles,
            String edgeId,
            UplinkSettings uplink,
            UplinkSettings receive,
            Duration mediumInterval,
            Duration lowInterval,
            Priority raw,
            List<ForwardRule> overrides,
            long maxDisk,
            long maxBatch,
            Compression compression,
            Duration maxBackoff,
            long maxRate) {
        this(
                roles,
                edgeId,
                uplink,
                receive,
                mediumInterval,
                lowInterval,
                raw,
                overrides,
                maxDisk,
                maxBatch,
                compression,
                maxBackoff,
                maxRate,
                Priority.MEDIUM,
                Priority.LOW);
    }

    /** A node's part in sync. */
    public enum Role {
        EDGE,
        CLOUD
    }

    /** How a frame's body is compressed. */
    public enum Compression {
        NONE,
        GZIP,
        ZSTD
    }

    /**
     * @param url {@code mqtt://}, {@code mqtts://}, {@code nats://} or {@code tls://} (NATS over TLS), with host and port
     * @param format {@code protobuf} (Edgeward's batches) or {@code json} (the seed's documents, for other consumers)
     * @param topic the MQTT topic or NATS subject, with {edge} and {stream} replaced
     * @param caFile PEM certificates to trust for TLS; empty: the JDK's
     */
    public record UplinkSettings(
            Endpoint url, String username, String password, String token, String format, String topic, String caFile) {

        public String scheme() {
            return url == null ? "" : url.scheme();
        }

        public boolean tls() {
            return scheme().equals("mqtts") || scheme().equals("tls");
        }

        public boolean nats() {
            return scheme().equals("nats") || scheme().equals("tls");
        }

        /**
         * The certificates of {@code caFile} as a trust store, for the uplink's TLS; null when no file
         * is set (the JDK's own trust then).
         */
        public KeyStore trustStore() {
            if (caFile.isEmpty()) {
                return null;
            }
            try (InputStream in = Files.newInputStream(Path.of(caFile))) {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int index = 0;
                for (Certificate certificate :
                        CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + index++, certificate);
                }
                return store;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("sync.uplink.tls.ca-file " + caFile + ": " + e.getMessage(), e);
            }
        }

        public String topicFor(String edgeId, Priority stream) {
            return topic.replace("{edge}", edgeId).replace("{stream}", stream.wireName());
        }
    }

    /**
     * {@code scheme://host:port} of an uplink (the port defaults by scheme: 1883, 8883, 4222).
     * Not a {@code java.net.URI}: the domain keeps to no network types.
     */
    public record Endpoint(String scheme, String host, int port) {

        static Endpoint parse(String url) {
            if (url.isEmpty()) {
                return null;
            }
            var matcher = java.util.regex.Pattern.compile("([a-z]+)://([^\\s/:]+|\\[[^\\]]+\\])(?::(\\d+))?/?")
                    .matcher(url);
            if (!matcher.matches()) {
                throw new IllegalArgumentException("not scheme://host:port: " + url);
            }
            String scheme = matcher.group(1);
            int port = matcher.group(3) != null
                    ? Integer.parseInt(matcher.group(3))
                    : switch (scheme) {
                        case "mqtt" -> 1883;
                        case "mqtts" -> 8883;
                        default -> 4222;
                    };
            return new Endpoint(scheme, matcher.group(2), port);
        }

        @Override
        public String toString() {
            return scheme + "://" + host + ":" + port;
        }
    }

    public static final Key<Set<Role>> ROLE = new Key<>(
            "sync.role",
            "none",
            SyncSettings::parseRoles,
            "This node's part in edge-to-cloud sync: none, edge (forwards to sync.uplink.url), cloud (receives"
                    + " edges, which connect as gateway devices), or edge,cloud (a site gateway forwarding to a region).");
    public static final Key<String> EDGE_ID = new Key<>(
            "sync.edge-id",
            "",
            raw -> {
                if (!raw.isEmpty() && !raw.matches("[A-Za-z0-9_.:-]{1,128}")) {
                    throw new IllegalArgumentException("must be 1-128 characters of A-Z a-z 0-9 _ . : -");
                }
                return raw;
            },
            "This edge's id across the fleet; the cloud knows it as a gateway device with this id.");
    public static final Key<String> UPLINK_URL = new Key<>(
            "sync.uplink.url",
            "",
            raw -> {
                if (!raw.isEmpty() && !raw.matches("(mqtt|mqtts|nats|tls)://[^\\s/]+(:\\d+)?/?")) {
                    throw new IllegalArgumentException("must be mqtt://, mqtts://, nats:// or tls:// host:port");
                }
                return raw;
            },
            "Where an edge sends: mqtt://host:1883 or mqtts://host:8883 (the cloud Edgeward or any MQTT 5 broker),"
                    + " nats://host:4222 or tls://host:4222 (NATS JetStream: a stream per edge).");
    public static final Key<String> UPLINK_USERNAME =
            new Key<>("sync.uplink.username", "", string(), "User name at the uplink (MQTT: default sync.edge-id).");
    public static final Key<String> UPLINK_PASSWORD = new Key<>(
            "sync.uplink.password",
            "",
            string(),
            "Password at the uplink (the edge's device secret at a cloud Edgeward).");
    public static final Key<String> UPLINK_TOKEN = new Key<>(
            "sync.uplink.token",
            "",
            string(),
            "A token instead of a user and password (NATS; an MQTT broker gets it as the password).");
    public static final Key<String> UPLINK_FORMAT = new Key<>(
            "sync.uplink.format",
            "protobuf",
            raw -> {
                if (!raw.equals("protobuf") && !raw.equals("json")) {
                    throw new IllegalArgumentException("must be protobuf or json");
                }
                return raw;
            },
            "protobuf: Edgeward's compressed batches (what a cloud Edgeward reads); json: one JSON document per frame"
                    + " with the seed's telemetry documents, for consumers of a broker a user runs.");
    public static final Key<String> UPLINK_TOPIC = new Key<>(
            "sync.uplink.topic",
            "edge/{edge}/sync/{stream}",
            raw -> {
                if (!raw.contains("{stream}") || raw.contains("+") || raw.contains("#")) {
                    throw new IllegalArgumentException("must contain {stream} and no wildcard");
                }
                return raw;
            },
            "The MQTT topic (NATS: the subject, / read as .) an edge publishes to; {edge} and {stream} are"
                    + " replaced. A cloud Edgeward reads edge/{edge}/sync/{stream}.");
    public static final Key<String> UPLINK_CA_FILE = new Key<>(
            "sync.uplink.tls.ca-file",
            "",
            string(),
            "PEM certificates to trust for the uplink's TLS; empty: the JDK's.");
    public static final Key<String> RECEIVE_NATS_URL = new Key<>(
            "sync.receive.nats-url",
            "",
            raw -> {
                if (!raw.isEmpty() && !raw.matches("(nats|tls)://[^\\s/]+(:\\d+)?/?")) {
                    throw new IllegalArgumentException("must be nats:// or tls:// host:port");
                }
                return raw;
            },
            "At a node receiving edges (sync.role cloud): the NATS server whose JetStream holds the edges' streams"
                    + " (EDGEWARD_<edge>); each is read with a durable pull consumer, acknowledged after the commit.");
    public static final Key<String> RECEIVE_NATS_USERNAME =
            new Key<>("sync.receive.nats-username", "", string(), "User name at sync.receive.nats-url.");
    public static final Key<String> RECEIVE_NATS_PASSWORD =
            new Key<>("sync.receive.nats-password", "", string(), "Password at sync.receive.nats-url.");
    public static final Key<String> RECEIVE_NATS_TOKEN = new Key<>(
            "sync.receive.nats-token",
            "",
            string(),
            "A token at sync.receive.nats-url instead of a user and password.");
    public static final Key<Duration> MEDIUM_INTERVAL = new Key<>(
            "sync.interval.medium",
            "5m",
            duration(Duration.ZERO, Duration.ofDays(1)),
            "How often the medium stream (the reduced stream and window results) is sent; a full batch goes at once.");
    public static final Key<Duration> LOW_INTERVAL = new Key<>(
            "sync.interval.low",
            "1h",
            duration(Duration.ZERO, Duration.ofDays(7)),
            "How often the low stream (raw telemetry by default) is sent; a full batch goes at once.");
    public static final Key<Priority> FORWARD_RAW = new Key<>(
            "sync.forward.raw",
            "low",
            raw -> Priority.fromWire(raw.trim().toLowerCase(Locale.ROOT)),
            "The stream raw telemetry is forwarded on: high, medium, low or none.");
    public static final Key<Priority> FORWARD_REDUCED = new Key<>(
            "sync.forward.reduced",
            "medium",
            raw -> Priority.fromWire(raw.trim().toLowerCase(Locale.ROOT)),
            "The stream the reduced stream (filters' and windows' records) is forwarded on: high, medium, low or"
                    + " none.");
    public static final Key<Priority> FORWARD_LOGS = new Key<>(
            "sync.forward.logs",
            "low",
            raw -> Priority.fromWire(raw.trim().toLowerCase(Locale.ROOT)),
            "The stream device logs (and the edge's own) are forwarded on: high, medium, low or none.");
    public static final Key<List<ForwardRule>> FORWARD_OVERRIDES = Key.structured(
            "sync.forward.overrides",
            "[]",
            new ForwardRules(),
            "Per metric, device, type or tag: a list of {match: {metric, device, type, tag}, priority}; metric and"
                    + " device are globs, the first entry that selects a series wins. As a variable: the list in JSON.");
    public static final Key<Long> MAX_DISK = new Key<>(
            "sync.outbox.max-disk",
            "1GiB",
            bytes(),
            "The outbox's size beyond which the oldest low, then medium rows are evicted (counted, reported as an"
                    + " event); high rows are never evicted: past this size ingest waits.");
    public static final Key<Long> MAX_BATCH = new Key<>(
            "sync.batch.max-bytes",
            "1MiB",
            bytes(),
            "The most bytes of records one frame carries, before compression.");
    public static final Key<Compression> COMPRESSION = new Key<>(
            "sync.compression",
            "gzip",
            raw -> Compression.valueOf(raw.trim().toUpperCase(Locale.ROOT)),
            "How frames are compressed: gzip, zstd or none.");
    public static final Key<Duration> MAX_BACKOFF = new Key<>(
            "sync.backoff.max",
            "60s",
            duration(Duration.ofMillis(100), Duration.ofHours(1)),
            "The longest wait between two attempts to send after failures (the wait doubles from 0.5 s, with jitter).");

    public static final Key<Long> MAX_RATE = new Key<>(
            "sync.max-rate",
            "0",
            raw -> {
                long rate = Long.parseLong(raw.trim());
                if (rate < 0) {
                    throw new IllegalArgumentException("must not be negative");
                }
                return rate;
            },
            "Records per second the uplink sends at most, 0 for no limit: a backlog drains at this rate while live"
                    + " data keeps flowing (each frame waits its share of the second).");

    public static final List<Key<?>> KEYS = List.of(
            ROLE,
            EDGE_ID,
            UPLINK_URL,
            UPLINK_USERNAME,
            UPLINK_PASSWORD,
            UPLINK_TOKEN,
            UPLINK_FORMAT,
            UPLINK_TOPIC,
            UPLINK_CA_FILE,
            RECEIVE_NATS_URL,
            RECEIVE_NATS_USERNAME,
            RECEIVE_NATS_PASSWORD,
            RECEIVE_NATS_TOKEN,
            MEDIUM_INTERVAL,
            LOW_INTERVAL,
            FORWARD_RAW,
            FORWARD_REDUCED,
            FORWARD_LOGS,
            FORWARD_OVERRIDES,
            MAX_DISK,
            MAX_BATCH,
            COMPRESSION,
            MAX_BACKOFF,
            MAX_RATE);

    public static SyncSettings from(Config config) {
        String url = config.get(UPLINK_URL);
        return new SyncSettings(
                config.get(ROLE),
                config.get(EDGE_ID),
                new UplinkSettings(
                        Endpoint.parse(url),
                        config.get(UPLINK_USERNAME),
                        config.get(UPLINK_PASSWORD),
                        config.get(UPLINK_TOKEN),
                        config.get(UPLINK_FORMAT),
                        config.get(UPLINK_TOPIC),
                        config.get(UPLINK_CA_FILE)),
                receive(config),
                config.get(MEDIUM_INTERVAL),
                config.get(LOW_INTERVAL),
                config.get(FORWARD_RAW),
                config.get(FORWARD_OVERRIDES),
                config.get(MAX_DISK),
                config.get(MAX_BATCH),
                config.get(COMPRESSION),
                config.get(MAX_BACKOFF),
                config.get(MAX_RATE),
                config.get(FORWARD_REDUCED),
                config.get(FORWARD_LOGS));
    }

    private static UplinkSettings receive(Config config) {
        String url = config.get(RECEIVE_NATS_URL);
        return new UplinkSettings(
                Endpoint.parse(url),
                config.get(RECEIVE_NATS_USERNAME),
                config.get(RECEIVE_NATS_PASSWORD),
                config.get(RECEIVE_NATS_TOKEN),
                "protobuf",
                config.get(UPLINK_TOPIC),
                config.get(UPLINK_CA_FILE));
    }

    public SyncSettings {
        roles = roles.isEmpty() ? EnumSet.noneOf(Role.class) : EnumSet.copyOf(roles);
        Objects.requireNonNull(uplink, "uplink");
        Objects.requireNonNull(receive, "receive");
        overrides = List.copyOf(overrides);
        if (roles.contains(Role.EDGE)) {
            List<String> problems = new ArrayList<>();
            if (edgeId.isEmpty()) {
                problems.add("sync.edge-id is required when sync.role is edge");
            }
            if (uplink.url() == null) {
                problems.add("sync.uplink.url is required when sync.role is edge");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
        }
        if (receive.url() != null && !roles.contains(Role.CLOUD)) {
            throw new IllegalArgumentException("sync.receive.nats-url needs sync.role cloud");
        }
        if (maxBatch < 1024) {
            throw new IllegalArgumentException("sync.batch.max-bytes must be at least 1KiB");
        }
    }

    public boolean edge() {
        return roles.contains(Role.EDGE);
    }

    public boolean cloud() {
        return roles.contains(Role.CLOUD);
    }

    /** The interval a stream is sent at: high at once. */
    public Duration interval(Priority stream) {
        return switch (stream) {
            case HIGH -> Duration.ZERO;
            case MEDIUM -> mediumInterval;
            case LOW -> lowInterval;
            case NONE -> throw new IllegalArgumentException("'none' is not a stream");
        };
    }

    private static Set<Role> parseRoles(String raw) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : raw.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "none", "" -> {}
                case "edge" -> roles.add(Role.EDGE);
                case "cloud" -> roles.add(Role.CLOUD);
                default -> throw new IllegalArgumentException("must be none, edge, cloud or edge,cloud");
            }
        }
        return roles;
    }
}
