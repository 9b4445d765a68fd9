package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Never lose acknowledged data: the packaged platform runs as its own process and is killed with
 * SIGKILL while a client publishes QoS 1 as fast as acknowledgements come; after a restart every
 * acknowledged point must be in the store, and every rollup bucket must equal its recomputation
 * from the stored points, and every window the processing stage closed must have been closed exactly
 * once, over exactly the stored points. Several rounds on the same data directory; each store runs the same rounds
 * ({@link CrashIT} on the embedded SQLite, {@link CrashPostgresIT} on PostgreSQL).
 */
abstract class CrashScenarios {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int ROUNDS = 4;
    static final String WINDOWS = """
            [{"name": "seqw", "match": {"metric": "seq"}, "size": "1s", "functions": ["count", "sum"],
              "allowed-lateness": "0s"}]""".replace("\n", " ");

    @TempDir
    Path dir;

    /** Settings the node runs with besides the defaults: where its store is. */
    Map<String, String> storeSettings() throws Exception {
        return Map.of();
    }

    private Map<String, String> settings;

    private PlatformProcess platform;

    @AfterEach
    void killPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    private JsonNode startPlatform() throws Exception {
        if (platform == null) {
            platform = new PlatformProcess(dir, settings);
        }
        return platform.start();
    }

    @Test
    void sigkillDuringQos1Publishing_losesNoAcknowledgedPoint() throws Exception {
        settings = new java.util.HashMap<>(storeSettings());
        // Points are 1 ms apart in event time: 1 s windows close every thousand points, many per round.
        settings.put("processing.windows", WINDOWS);
        JsonNode ports = startPlatform();
        String secret = platform.register("crash-dev");
        long base = System.currentTimeMillis() - 3_600_000L;
        NavigableSet<Long> acknowledged = new ConcurrentSkipListSet<>();
        long next = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            Publisher publisher = new Publisher(ports.get("mqtt").asInt(), secret, base, next, acknowledged);
            publisher.start();
            // Kill at an arbitrary moment while acknowledgements are flowing: after a random number
            // of further acknowledgements, so the moment varies but never precedes the traffic.
            long ackedBefore = acknowledged.size();
            long killAfter = ackedBefore + ThreadLocalRandom.current().nextInt(200, 3000);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> acknowledged.size() >= killAfter);
            platform.kill();
            publisher.stop();
            next = publisher.nextSequence();
            assertThat(acknowledged.size())
                    .as("round %d acknowledged something before the kill", round)
                    .isGreaterThan((int) ackedBefore);

            ports = startPlatform();
            Set<Long> stored = storedSequences(base);
            Set<Long> missing = new HashSet<>(acknowledged);
            missing.removeAll(stored);
            assertThat(missing)
                    .as("round %d: acknowledged (%d) but not stored", round, acknowledged.size())
                    .isEmpty();
            assertRollupsEqualRawPoints(base, round);
            assertWindowsEqualRawPoints(base, stored, round);
        }
    }

    /**
     * Every closed window's results equal their recomputation from the stored points; every window
     * that ended before the newest stored point was closed; and each result is in the reduced
     * stream once (a derived point written twice would only replace itself, the stream would not).
     */
    private void assertWindowsEqualRawPoints(long base, Set<Long> stored, int round) throws Exception {
        java.util.TreeMap<Long, long[]> expected = new java.util.TreeMap<>(); // window start -> {count, sum}
        long newest = Long.MIN_VALUE;
        for (long n : stored) {
            long ts = base + n;
            newest = Math.max(newest, ts);
            long[] window = expected.computeIfAbsent(Math.floorDiv(ts, 1000L) * 1000, k -> new long[2]);
            window[0]++;
            window[1] += n;
        }
        Map<Long, Long> counts = derived("seqw.count", base);
        Map<Long, Long> sums = derived("seqw.sum", base);
        for (Map.Entry<Long, long[]> window : expected.entrySet()) {
            long start = window.getKey();
            if (start + 1000 <= newest) {
                assertThat(counts.get(start))
                        .as("round %d: the window at %d, closed, holds every stored point", round, start)
                        .isEqualTo(window.getValue()[0]);
                assertThat(sums.get(start))
                        .as("round %d: sum at %d", round, start)
                        .isEqualTo(window.getValue()[1]);
            }
        }
        assertThat(counts.keySet())
                .as("round %d: no window closed twice or from nothing", round)
                .allSatisfy(start -> assertThat(expected).containsKey(start));
        Map<String, Integer> records = new java.util.HashMap<>();
        platform.get("/api/v1/processing/stream?device=crash-dev&limit=10000")
                .get("records")
                .forEach(r -> records.merge(
                        r.get("metric").asText() + "@" + r.get("ts").asLong(), 1, Integer::sum));
        assertThat(records)
                .as("round %d: each window's results once in the stream", round)
                .hasSize(counts.size() + sums.size())
                .allSatisfy((key, times) -> assertThat(times).as(key).isEqualTo(1));
    }

    private Map<Long, Long> derived(String metric, long base) throws Exception {
        Map<Long, Long> values = new java.util.HashMap<>();
        platform.get("/api/v1/devices/crash-dev/telemetry?metric=" + metric + "&limit=100000&from=" + (base - 10_000)
                        + "&to=" + (base + 3_000_000))
                .get("points")
                .forEach(p -> values.put(p.get("ts").asLong(), p.get("value").asLong()));
        return values;
    }

    /** Every bucket of every tier equals its recomputation from the stored raw points: none half-written, none counted twice. */
    private void assertRollupsEqualRawPoints(long base, int round) throws Exception {
        long day = 86_400_000L;
        long from = Math.floorDiv(base, day) * day;
        for (String tier : List.of("1m", "1h", "1d")) {
            String query = "/api/v1/devices/crash-dev/telemetry?metric=seq&interval=" + tier
                    + "&agg=count,sum,min,max,first,last&from=" + from + "&to=" + (from + 2 * day);
            JsonNode rollups = platform.get(query);
            JsonNode raw = platform.get(query + "&source=raw");
            assertThat(rollups.get("source").asText()).isEqualTo(tier);
            assertThat(raw.get("source").asText()).isEqualTo("raw");
            assertThat(rollups.get("buckets"))
                    .as("round %d: the %s tier against the raw points", round, tier)
                    .isEqualTo(raw.get("buckets"));
        }
    }

    private Set<Long> storedSequences(long base) throws Exception {
        Set<Long> stored = new HashSet<>();
        platform.get("/api/v1/devices/crash-dev/telemetry?metric=seq&limit=100000&from=" + base + "&to="
                        + (base + 3_000_000))
                .get("points")
                .forEach(p -> stored.add(p.get("value").asLong()));
        return stored;
    }

    /** Publishes seq = n at ts = base + n, QoS 1, ten in flight; records what was acknowledged. */
    static final class Publisher {
        private final Mqtt5AsyncClient client;
        private final long base;
        private final NavigableSet<Long> acknowledged;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Semaphore window = new Semaphore(10);
        private final String secret;
        private volatile long sequence;
        private Thread loop;

        Publisher(int port, String secret, long base, long firstSequence, NavigableSet<Long> acknowledged) {
            this.client = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("crash-dev")
                    .serverHost("127.0.0.1")
                    .serverPort(port)
                    .buildAsync();
            this.secret = secret;
            this.base = base;
            this.sequence = firstSequence;
            this.acknowledged = acknowledged;
        }

        void start() throws Exception {
            client.connectWith()
                    .cleanStart(true)
                    .simpleAuth()
                    .username("crash-dev")
                    .password(secret.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send()
                    .get(10, TimeUnit.SECONDS);
            loop = Thread.ofPlatform().name("crash-publisher").start(() -> {
                while (running.get()) {
                    try {
                        if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    long n = sequence++;
                    client.publishWith()
                            .topic("sensor/crash-dev/telemetry")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(("{\"ts\":" + (base + n) + ",\"values\":{\"seq\":" + n + "}}")
                                    .getBytes(StandardCharsets.UTF_8))
                            .send()
                            .whenComplete((result, error) -> {
                                if (error == null && result.getError().isEmpty()) {
                                    acknowledged.add(n);
                                }
                                window.release();
                            });
                }
            });
        }

        void stop() throws InterruptedException {
            running.set(false);
            loop.join(Duration.ofSeconds(10));
            client.disconnect();
        }

        long nextSequence() {
            return sequence;
        }
    }
}
