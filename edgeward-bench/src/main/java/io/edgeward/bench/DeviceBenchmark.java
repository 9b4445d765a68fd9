package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shadow updates and command round trips against the packaged node, on SQLite and, when given a
 * server, on PostgreSQL:
 * <ul>
 *   <li>K devices (1,000 by default), each with its own MQTT 5 connection, publish shadow updates
 *       (reported state) with one in flight each; an update's PUBACK leaves after it is stored, so
 *       acknowledged updates per second are stored updates per second;</li>
 *   <li>commands sent through the REST API with {@code ?wait=true} from C concurrent callers to
 *       devices that answer as the seed's thermostat: round trip REST call → device → response.</li>
 * </ul>
 */
public final class DeviceBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path work;
    private final Path jar;
    private final String java = ProcessHandle.current().info().command().orElse("java");
    private final int devices;
    private final int seconds;
    private final int callers;

    DeviceBenchmark(Path work, Path jar, int devices, int seconds, int callers) {
        this.work = work;
        this.jar = jar;
        this.devices = devices;
        this.seconds = seconds;
        this.callers = callers;
    }

    public static void main(String[] args) throws Exception {
        int devices = 1000;
        int seconds = 20;
        int callers = 16;
        String postgres = System.getenv("EDGEWARD_BENCH_POSTGRES_URL");
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--devices" -> devices = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--callers" -> callers = Integer.parseInt(args[++i]);
                case "--postgres" -> postgres = args[++i];
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: bench devices [--devices K (1000)] [--seconds S (20)] [--callers C (16)]"
                                    + " [--postgres jdbc:postgresql://host/db?user=..&password=.. (or EDGEWARD_BENCH_POSTGRES_URL)]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " not found: build first (./mvnw -DskipTests package)");
        }
        DeviceBenchmark bench = new DeviceBenchmark(
                Files.createTempDirectory("edgeward-bench-devices"), jar.toAbsolutePath(), devices, seconds, callers);
        System.out.printf(
                Locale.ROOT,
                "Edgeward device benchmark: %d devices, %d s per run, %d command callers, %d cores%n%n",
                devices,
                seconds,
                callers,
                Runtime.getRuntime().availableProcessors());
        List<Result> results = new ArrayList<>();
        results.add(bench.run("SQLite", List.of()));
        if (postgres != null && !postgres.isBlank()) {
            results.add(bench.run("PostgreSQL", List.of("store.url=" + postgres)));
        } else {
            System.out.println("PostgreSQL run skipped: pass --postgres URL or set EDGEWARD_BENCH_POSTGRES_URL");
        }
        System.out.println();
        System.out.println("Results (same machine, same run)");
        System.out.println("------------------------------------------------------------------------------");
        for (Result result : results) {
            IngestBenchmark.row(
                    result.store + ": shadow updates stored",
                    "%,.0f /s  (PUBACK p50 %.1f ms, p99 %.1f ms, errors %d)",
                    result.updatesPerSecond,
                    result.updateP50,
                    result.updateP99,
                    result.updateErrors);
            IngestBenchmark.row(
                    result.store + ": command round trip (REST wait)",
                    "p50 %.1f ms, p99 %.1f ms  (%,.0f commands/s, %d not succeeded)",
                    result.commandP50,
                    result.commandP99,
                    result.commandsPerSecond,
                    result.commandFailures);
        }
        System.out.println("------------------------------------------------------------------------------");
    }

    record Result(
            String store,
            double updatesPerSecond,
            double updateP50,
            double updateP99,
            long updateErrors,
            double commandP50,
            double commandP99,
            double commandsPerSecond,
            long commandFailures) {}

    Result run(String store, List<String> settings) throws Exception {
        Path data = work.resolve("data-" + store.toLowerCase(Locale.ROOT));
        System.out.printf("[%s] starting the node and provisioning %d devices ...%n", store, devices);
        try (EdgewardProcess node = new EdgewardProcess(java, jar, data, work.resolve(store + ".log"), settings)) {
            String prefix = "bd-" + System.currentTimeMillis() % 100_000 + "-";
            List<Mqtt5AsyncClient> clients = connect(node, prefix);
            try {
                System.out.printf("[%s] shadow updates, %d s ...%n", store, seconds);
                double before = node.metric("edgeward_shadow_updates_total{changed_by=\"device\"}");
                Latencies updates = shadowUpdates(clients, prefix);
                double stored = node.metric("edgeward_shadow_updates_total{changed_by=\"device\"}") - before;
                System.out.printf(
                        Locale.ROOT,
                        "[%s] %,.0f updates acknowledged, %,.0f stored (%,.0f/s); %.1f per group commit, %.1f ms each%n",
                        store,
                        (double) updates.count(),
                        stored,
                        stored / updates.seconds(),
                        node.metric("edgeward_shadow_commit_batch_sum")
                                / node.metric("edgeward_shadow_commit_batch_count"),
                        1000
                                * node.metric("edgeward_shadow_commit_seconds_sum")
                                / node.metric("edgeward_shadow_commit_seconds_count"));

                System.out.printf("[%s] command round trips, %d s ...%n", store, seconds);
                Latencies commands = commandRoundTrips(node, prefix);
                return new Result(
                        store,
                        stored / updates.seconds(),
                        updates.percentile(50),
                        updates.percentile(99),
                        updates.errors(),
                        commands.percentile(50),
                        commands.percentile(99),
                        commands.count() / commands.seconds(),
                        commands.errors());
            } finally {
                for (Mqtt5AsyncClient client : clients) {
                    client.disconnect();
                }
            }
        }
    }

    /** Provisions the devices and connects each; every device answers commands as the seed's thermostat. */
    private List<Mqtt5AsyncClient> connect(EdgewardProcess node, String prefix) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Mqtt5AsyncClient>> connecting = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            String id = prefix + i;
            connecting.add(CompletableFuture.supplyAsync(() -> register(node, id), pool)
                    .thenCompose(secret -> {
                        Mqtt5AsyncClient client = MqttClient.builder()
                                .useMqttVersion5()
                                .identifier(id)
                                .serverHost("127.0.0.1")
                                .serverPort(node.mqttPort)
                                .simpleAuth()
                                .username(id)
                                .password(secret.getBytes(StandardCharsets.UTF_8))
                                .applySimpleAuth()
                                .buildAsync();
                        return client.connectWith()
                                .cleanStart(true)
                                .send()
                                .thenCompose(connack -> client.subscribeWith()
                                        .topicFilter("device/" + id + "/command")
                                        .qos(MqttQos.AT_LEAST_ONCE)
                                        .callback(publish -> answer(client, id, publish.getPayloadAsBytes()))
                                        .send())
                                .thenApply(suback -> client);
                    }));
        }
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        for (CompletableFuture<Mqtt5AsyncClient> future : connecting) {
            clients.add(future.get(120, TimeUnit.SECONDS));
        }
        pool.shutdown();
        return clients;
    }

    private static String register(EdgewardProcess node, String id) {
        try {
            HttpResponse<String> reply =
                    node.api("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"actuator\"}");
            if (reply.statusCode() != 201) {
                throw new IllegalStateException("registering " + id + ": " + reply.statusCode() + " " + reply.body());
            }
            return JSON.readTree(reply.body()).at("/credentials/password").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(Mqtt5AsyncClient client, String id, byte[] command) {
        try {
            JsonNode document = JSON.readTree(command);
            String response = "{\"command_id\":\"" + document.get("command_id").asText() + "\",\"status\":\"success\","
                    + "\"message\":\"temperature set\",\"timestamp\":" + System.currentTimeMillis() / 1000 + "}";
            client.publishWith()
                    .topic("device/" + id + "/response")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(response.getBytes(StandardCharsets.UTF_8))
                    .send();
        } catch (Exception e) {
            // Not a command document: nothing to answer.
        }
    }

    /** Every device publishes reported-state updates back to back, one in flight, for the run's length. */
    private Latencies shadowUpdates(List<Mqtt5AsyncClient> clients, String prefix) throws Exception {
        Latencies latencies = new Latencies();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loops.add(done);
            next(clients.get(i), prefix + i, 0, end, latencies, done);
        }
        long start = System.nanoTime();
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(seconds + 120L, TimeUnit.SECONDS);
        latencies.finish(start);
        return latencies;
    }

    private static void next(
            Mqtt5AsyncClient client, String id, long seq, long end, Latencies latencies, CompletableFuture<Void> done) {
        if (System.nanoTime() >= end) {
            done.complete(null);
            return;
        }
        String update =
                "{\"state\":{\"reported\":{\"seq\":" + seq + ",\"temperature\":" + (20 + seq % 50 / 10.0) + "}}}";
        long started = System.nanoTime();
        client.publishWith()
                .topic("device/" + id + "/shadow/update")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(update.getBytes(StandardCharsets.UTF_8))
                .send()
                .whenComplete((result, error) -> {
                    if (error != null || result.getError().isPresent()) {
                        latencies.error();
                    } else {
                        latencies.record(System.nanoTime() - started);
                    }
                    next(client, id, seq + 1, end, latencies, done);
                });
    }

    /** {@code callers} threads send commands with {@code ?wait=true} to devices round-robin. */
    private Latencies commandRoundTrips(EdgewardProcess node, String prefix) throws Exception {
        Latencies latencies = new Latencies();
        Latencies queuedToSent = new Latencies();
        Latencies sentToCompleted = new Latencies();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong next = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    String device = prefix + (next.getAndIncrement() % devices);
                    long started = System.nanoTime();
                    try {
                        HttpResponse<String> reply = node.api(
                                "POST",
                                "/api/v1/devices/" + device + "/commands?wait=true",
                                "{\"type\":\"set_temperature\",\"parameters\":{\"temperature\":22.5},\"timeout\":\"10s\"}");
                        JsonNode command = JSON.readTree(reply.body());
                        if (reply.statusCode() == 200
                                && command.get("status").asText().equals("succeeded")) {
                            latencies.record(System.nanoTime() - started);
                            queuedToSent.record(nanosBetween(command, "created_at", "sent_at"));
                            sentToCompleted.record(nanosBetween(command, "sent_at", "completed_at"));
                        } else {
                            latencies.error();
                        }
                    } catch (Exception e) {
                        latencies.error();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        latencies.finish(start);
        queuedToSent.finish(start);
        sentToCompleted.finish(start);
        System.out.printf(
                Locale.ROOT,
                "      stored as queued -> sent: p50 %.0f ms; sent -> response stored: p50 %.0f ms (server clock)%n",
                queuedToSent.percentile(50),
                sentToCompleted.percentile(50));
        return latencies;
    }

    private static long nanosBetween(JsonNode command, String from, String to) {
        return Duration.between(
                        Instant.parse(command.get(from).asText()),
                        Instant.parse(command.get(to).asText()))
                .toNanos();
    }

    /** Latencies in nanoseconds, kept whole: a run has at most a few hundred thousand. */
    static final class Latencies {
        private final ConcurrentLinkedQueue<Long> samples = new ConcurrentLinkedQueue<>();
        private final AtomicLong errors = new AtomicLong();
        private long[] sorted;
        private double seconds;

        void record(long nanos) {
            samples.add(nanos);
        }

        void error() {
            errors.incrementAndGet();
        }

        void finish(long startNanos) {
            seconds = (System.nanoTime() - startNanos) / 1e9;
            sorted = samples.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
        }

        long count() {
            return sorted.length;
        }

        long errors() {
            return errors.get();
        }

        double seconds() {
            return seconds;
        }

        double percentile(double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }
}
