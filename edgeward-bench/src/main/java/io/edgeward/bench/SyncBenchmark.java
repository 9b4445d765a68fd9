package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench sync}: issue 23's figures, with a cloud node and an edge node as processes.
 *
 * <ol>
 *   <li>Upstream bytes of a simulated day: {@code --sensors} sensors at 1 point/s for {@code
 *       --hours} of event time (published faster than real time, a minute of a sensor per message),
 *       a 1-minute window (mean, min, max) per sensor on the edge. The medium stream (the window
 *       results) and the low stream (every raw point) are sent compressed; their frame bytes are
 *       compared with the seed's JSON documents of the same points. The streams are flushed every
 *       10 s of the run, as their intervals would have sent them over the day: frames of up to
 *       {@code sync.batch.max-bytes}.
 *   <li>Backlog drain: the link down for {@code --outage-hours} of the live rate's points, then back
 *       while the live load goes on ({@code --live-rate} points/s from the ingest benchmark's
 *       generator); the drain rate against the live rate (target at least 5x), and the live load's
 *       publish-to-PUBACK p99 during the drain against the same load before the outage (target under
 *       2x), in the same run.
 * </ol>
 */
final class SyncBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "bench-gateway";
    private static final String PASSWORD = "bench-gateway-password-0123456789";

    private SyncBenchmark() {}

    public static void main(String[] args) throws Exception {
        int sensors = 1000;
        int hours = 24;
        int liveRate = 1000;
        double outageHours = 1;
        String compression = "gzip";
        boolean bytesOnly = false;
        boolean drainOnly = false;
        long drainRate = 0;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sensors" -> sensors = Integer.parseInt(args[++i]);
                case "--hours" -> hours = Integer.parseInt(args[++i]);
                case "--live-rate" -> liveRate = Integer.parseInt(args[++i]);
                case "--outage-hours" -> outageHours = Double.parseDouble(args[++i]);
                case "--compression" -> compression = args[++i];
                case "--bytes-only" -> bytesOnly = true;
                case "--drain-only" -> drainOnly = true;
                case "--drain-rate" -> drainRate = Long.parseLong(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bench sync [--sensors N (1000)] [--hours H of event time (24)]"
                            + " [--compression gzip|zstd|none (gzip)] [--live-rate points/s (1000)]"
                            + " [--outage-hours H (1)] [--drain-rate records/s for sync.max-rate (0: none)]"
                            + " [--bytes-only | --drain-only]"
                            + " [--jar edgeward-server/target/edgeward.jar]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        Path work = Files.createTempDirectory("edgeward-bench-sync");
        System.out.printf(
                Locale.ROOT,
                "Edgeward sync benchmark: a cloud node and an edge node, %d cores, work dir %s%n%n",
                Runtime.getRuntime().availableProcessors(),
                work);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> results = new ArrayList<>();
        if (!drainOnly) {
            results.addAll(bytes(java, jar.toAbsolutePath(), work.resolve("bytes"), sensors, hours, compression));
        }
        if (!bytesOnly) {
            results.addAll(drain(java, jar.toAbsolutePath(), work.resolve("drain"), liveRate, outageHours, drainRate));
        }
        System.out.println();
        System.out.println("Results (same machine, same run)");
        System.out.println("------------------------------------------------------------------------------");
        results.forEach(System.out::println);
    }

    /** A cloud node receiving edges on a free port, and the edge forwarding to it through {@code link}. */
    private record Pair(EdgewardProcess cloud, EdgewardProcess edge, LinkProxy link) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            edge.close();
            link.close();
            cloud.close();
        }
    }

    private static Pair pair(String java, Path jar, Path dir, List<String> edgeSettings) throws Exception {
        Files.createDirectories(dir);
        EdgewardProcess cloud = new EdgewardProcess(
                java, jar, dir.resolve("cloud"), dir.resolve("cloud.log"), List.of("sync.role=cloud"));
        var gateway = cloud.api("POST", "/api/v1/devices", "{\"device_id\":\"edge-b\",\"type\":\"gateway\"}");
        if (gateway.statusCode() != 201) {
            throw new IllegalStateException("cannot register the edge at the cloud: " + gateway.body());
        }
        String secret =
                JSON.readTree(gateway.body()).at("/credentials/password").asText();
        LinkProxy link = new LinkProxy(cloud.mqttPort);
        List<String> settings = new ArrayList<>(List.of(
                "sync.role=edge",
                "sync.edge-id=edge-b",
                "sync.uplink.url=mqtt://127.0.0.1:" + link.port(),
                "sync.uplink.password=" + secret,
                "sync.backoff.max=1s",
                "sync.outbox.max-disk=8GiB",
                "mqtt.users=[{\"username\":\"" + USER + "\",\"password\":\"" + PASSWORD
                        + "\",\"publish\":[\"sensor/+/telemetry\"]}]"));
        settings.addAll(edgeSettings);
        EdgewardProcess edge = new EdgewardProcess(java, jar, dir.resolve("edge"), dir.resolve("edge.log"), settings);
        return new Pair(cloud, edge, link);
    }

    private static List<String> bytes(String java, Path jar, Path dir, int sensors, int hours, String compression)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "[1/2] Upstream bytes: %,d sensors x %d h at 1 point/s (%,d points), 1-minute windows, %s%n",
                sensors,
                hours,
                (long) sensors * hours * 3600,
                compression);
        try (Pair pair = pair(
                java,
                jar,
                dir,
                List.of(
                        "sync.compression=" + compression,
                        "processing.windows=[{\"name\":\"m1\",\"match\":{\"metric\":\"temperature\"},\"size\":\"1m\","
                                + "\"functions\":[\"mean\",\"min\",\"max\"],\"allowed-lateness\":\"0s\"}]"))) {
            register(pair.edge(), sensors);
            long start = System.nanoTime();
            AtomicLong seedBytes = new AtomicLong();
            long points = publishDay(pair.edge(), sensors, hours, seedBytes, () -> flush(pair.edge()));
            double publishSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "      published %,d points in %.0f s (%,.0f points/s); waiting for the outbox to drain%n",
                    points,
                    publishSeconds,
                    points / publishSeconds);
            awaitDrained(pair.edge(), 3600);
            JsonNode streams = pair.edge().api("GET", "/api/v1/sync", null).statusCode() == 200
                    ? JSON.readTree(pair.edge().api("GET", "/api/v1/sync", null).body())
                            .get("streams")
                    : null;
            long medium = stream(streams, "medium").get("bytes_sent_today").asLong();
            long low = stream(streams, "low").get("bytes_sent_today").asLong();
            double mediumShare = 100.0 * medium / seedBytes.get();
            List<String> rows = new ArrayList<>();
            rows.add(row(
                    "Seed JSON documents of the raw points",
                    "%,d bytes (%.1f B/point)",
                    seedBytes.get(),
                    (double) seedBytes.get() / points));
            rows.add(row(
                    "Medium stream (1-minute mean/min/max), " + compression,
                    "%,d bytes = %.2f %% of the JSON (target <= 5 %%: %s)",
                    medium,
                    mediumShare,
                    mediumShare <= 5 ? "met" : "NOT met"));
            rows.add(row(
                    "Raw forwarding (low stream), " + compression,
                    "%,d bytes = %.2f B/point (%.1f %% of the JSON), compression %.2f",
                    low,
                    (double) low / points,
                    100.0 * low / seedBytes.get(),
                    stream(streams, "low").get("compression_ratio").asDouble()));
            rows.forEach(System.out::println);
            System.out.println();
            return rows;
        }
    }

    private static List<String> drain(String java, Path jar, Path dir, int liveRate, double outageHours, long drainRate)
            throws Exception {
        long backlogPoints = Math.round(liveRate * outageHours * 3600);
        System.out.printf(
                Locale.ROOT,
                "[2/2] Backlog drain: live load %,d points/s; an outage of %.1f h at that rate leaves %,d points%n",
                liveRate,
                outageHours,
                backlogPoints);
        // Raw points go at once here (sync.interval.low 0s): the drain is measured, not the interval.
        try (Pair pair = pair(java, jar, dir, List.of("sync.interval.low=0s", "sync.max-rate=" + drainRate))) {
            IngestBenchmark load = new IngestBenchmark(dir, jar, 50, 20, 5);
            List<String> target = IngestBenchmark.concat(
                    load.target(pair.edge(), dir.resolve("generator"), "live-"), List.of("--rate", liveRate + "/s"));
            JsonNode normal = load.generate(target, "live-normal");
            System.out.printf(
                    Locale.ROOT,
                    "      live load, link up: %,.0f msg/s, p50 / p99 %.1f / %.1f ms%n",
                    normal.path("ackedPerSecond").asDouble(),
                    normal.path("p50Millis").asDouble(),
                    normal.path("p99Millis").asDouble());
            awaitDrained(pair.edge(), 600);

            pair.link().cut();
            int sensors = 1000;
            register(pair.edge(), sensors);
            AtomicLong ignored = new AtomicLong();
            long published = publishDay(
                    pair.edge(),
                    sensors,
                    Math.max(1, (int) Math.ceil(backlogPoints / (sensors * 3600.0))),
                    ignored,
                    () -> {});
            long backlog = settledBacklog(pair.edge());
            System.out.printf(
                    Locale.ROOT,
                    "      link down: %,d points published, %,d records waiting in the outbox%n",
                    published,
                    backlog);

            pair.link().restore();
            long start = System.nanoTime();
            // The drain's end, read every 0.5 s beside the live load (the node refreshes the figure every second).
            CompletableFuture<Double> drained = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            while (true) {
                                JsonNode now = JSON.readTree(pair.edge()
                                                .api("GET", "/api/v1/sync", null)
                                                .body())
                                        .get("streams");
                                if (stream(now, "low").get("backlog_records").asLong() == 0) {
                                    return (System.nanoTime() - start) / 1e9;
                                }
                                if ((System.nanoTime() - start) / 1e9 > 3600) {
                                    throw new IllegalStateException("the backlog did not drain within an hour");
                                }
                                Thread.sleep(500);
                            }
                        } catch (Exception e) {
                            throw new CompletionException(e);
                        }
                    },
                    Executors.newVirtualThreadPerTaskExecutor());
            List<Double> p99s = new ArrayList<>();
            do {
                JsonNode during = load.generate(target, "live-during-drain-" + p99s.size());
                p99s.add(during.path("p99Millis").asDouble());
                System.out.printf(
                        Locale.ROOT,
                        "      live load during the drain: %,.0f msg/s, p99 %.1f ms%n",
                        during.path("ackedPerSecond").asDouble(),
                        during.path("p99Millis").asDouble());
            } while (!drained.isDone());
            double drainSeconds = drained.join();
            // The backlog over the time it took to drain, beside the live load it had to outpace.
            double drainedPerSecond = backlog / drainSeconds;
            double worstP99 =
                    p99s.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double p99Ratio = worstP99 / normal.path("p99Millis").asDouble();
            List<String> rows = new ArrayList<>();
            rows.add(row(
                    "Backlog drained",
                    "%,d records in %.1f s: %,.0f records/s = %.1f x the live rate (target >= 5 x: %s)",
                    backlog,
                    drainSeconds,
                    drainedPerSecond,
                    drainedPerSecond / liveRate,
                    drainedPerSecond / liveRate >= 5 ? "met" : "NOT met"));
            rows.add(row(
                    "Live p99 normal / during the drain (worst run)",
                    "%.1f / %.1f ms = %.2f x (target < 2 x: %s)",
                    normal.path("p99Millis").asDouble(),
                    worstP99,
                    p99Ratio,
                    p99Ratio < 2 ? "met" : "NOT met"));
            rows.forEach(System.out::println);
            return rows;
        }
    }

    /** The low stream's backlog once the node's commits have settled: two readings 3 s apart agree. */
    private static long settledBacklog(EdgewardProcess edge) throws Exception {
        long previous = -1;
        while (true) {
            long now = stream(
                            JSON.readTree(edge.api("GET", "/api/v1/sync", null).body())
                                    .get("streams"),
                            "low")
                    .get("backlog_records")
                    .asLong();
            if (now == previous) {
                return now;
            }
            previous = now;
            Thread.sleep(3000);
        }
    }

    private static void register(EdgewardProcess edge, int sensors) throws Exception {
        for (int i = 0; i < sensors; i++) {
            var reply = edge.api("POST", "/api/v1/devices", "{\"device_id\":\"" + sensor(i) + "\"}");
            if (reply.statusCode() != 201 && reply.statusCode() != 409) {
                throw new IllegalStateException("cannot register " + sensor(i) + ": " + reply.body());
            }
        }
    }

    private static String sensor(int i) {
        return String.format(Locale.ROOT, "sensor-%04d", i);
    }

    /**
     * Publishes {@code hours} of event time ending now, a minute of one sensor per message (60 of the
     * seed's documents in a JSON array), QoS 1, 64 in flight; adds the documents' bytes (each as it
     * would be sent alone) to {@code seedBytes}.
     */
    private static long publishDay(
            EdgewardProcess edge, int sensors, int hours, AtomicLong seedBytes, Runnable every10s) throws Exception {
        Mqtt5AsyncClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("bench-sync-publisher")
                .serverHost("127.0.0.1")
                .serverPort(edge.mqttPort)
                .simpleAuth()
                .username(USER)
                .password(PASSWORD.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildAsync();
        client.connect().get(10, TimeUnit.SECONDS);
        Semaphore window = new Semaphore(64);
        Set<Throwable> errors = ConcurrentHashMap.newKeySet();
        long start = (System.currentTimeMillis() / 60_000 - hours * 60L) * 60_000;
        Random random = new Random(23);
        double[] level = new double[sensors];
        for (int i = 0; i < sensors; i++) {
            level[i] = 18 + random.nextDouble() * 6;
        }
        long points = 0;
        long lastFlush = System.nanoTime();
        for (int minute = 0; minute < hours * 60; minute++) {
            for (int s = 0; s < sensors; s++) {
                StringBuilder message = new StringBuilder(60 * 110).append('[');
                for (int second = 0; second < 60; second++) {
                    level[s] += (random.nextDouble() - 0.5) * 0.02;
                    long ts = (start + minute * 60_000L + second * 1000L) / 1000;
                    String doc = String.format(
                            Locale.ROOT,
                            "{\"sensor_id\":\"%s\",\"type\":\"temperature\",\"value\":%.2f,\"unit\":\"C\","
                                    + "\"location\":\"hall-%d\",\"timestamp\":%d}",
                            sensor(s),
                            level[s],
                            s % 8,
                            ts);
                    seedBytes.addAndGet(doc.length());
                    message.append(second == 0 ? "" : ",").append(doc);
                }
                message.append(']');
                window.acquire();
                client.publishWith()
                        .topic("sensor/" + sensor(s) + "/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(message.toString().getBytes(StandardCharsets.UTF_8))
                        .send()
                        .whenComplete((result, error) -> {
                            if (error != null || result.getError().isPresent()) {
                                errors.add(
                                        error != null
                                                ? error
                                                : result.getError().get());
                            }
                            window.release();
                        });
                points += 60;
            }
            if (System.nanoTime() - lastFlush > TimeUnit.SECONDS.toNanos(10)) {
                every10s.run();
                lastFlush = System.nanoTime();
                System.out.printf(
                        Locale.ROOT, "      ... %,d points, event time %d of %d h%n", points, minute / 60, hours);
            }
        }
        window.acquire(64);
        client.disconnect();
        if (!errors.isEmpty()) {
            throw new IllegalStateException(
                    "publishing failed: " + errors.iterator().next());
        }
        return points;
    }

    private static void flush(EdgewardProcess edge) {
        try {
            edge.api("POST", "/api/v1/sync/flush", null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitDrained(EdgewardProcess edge, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            flush(edge);
            JsonNode streams =
                    JSON.readTree(edge.api("GET", "/api/v1/sync", null).body()).get("streams");
            boolean empty = true;
            for (JsonNode stream : streams) {
                empty &= stream.get("backlog_rows").asLong() == 0;
            }
            if (empty) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the outbox did not drain within " + seconds + " s");
    }

    private static JsonNode stream(JsonNode streams, String name) {
        for (JsonNode stream : streams) {
            if (stream.get("stream").asText().equals(name)) {
                return stream;
            }
        }
        throw new IllegalStateException("no stream " + name);
    }

    private static String row(String label, String format, Object... values) {
        return String.format(Locale.ROOT, "%-48s %s", label, String.format(Locale.ROOT, format, values));
    }

    /** The link between edge and cloud, cut and restored by the benchmark. */
    static final class LinkProxy implements AutoCloseable {
        private volatile int targetPort;
        private final ServerSocket server;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private volatile boolean up = true;

        LinkProxy(int targetPort) throws IOException {
            this.targetPort = targetPort;
            this.server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        void cut() {
            up = false;
            sockets.forEach(LinkProxy::closeQuietly);
        }

        void restore() {
            up = true;
        }

        /** Where new connections go from now on (a node restarted on another port). */
        void retarget(int port) {
            targetPort = port;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    if (!up) {
                        closeQuietly(client);
                        continue;
                    }
                    Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    sockets.add(client);
                    sockets.add(target);
                    Thread.ofVirtual().start(() -> pipe(client, target));
                    Thread.ofVirtual().start(() -> pipe(target, client));
                } catch (IOException e) {
                    // closed, or the target is down: the client sees its connection go
                }
            }
        }

        private void pipe(Socket from, Socket to) {
            byte[] buffer = new byte[65536];
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                }
            } catch (IOException e) {
                // cut
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            cut();
            server.close();
        }
    }
}
