package io.edgeward.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reconnect storm: N registered devices (10,000 by default) connect at the same moment, as after
 * a gateway's or a network's restart. Prints whether every one was accepted on its first attempt,
 * the time until all were connected, the node's resident memory before and after (per connection,
 * against EMQX's 10 KB), its live heap after a full GC, and how much the storm wrote to the log.
 */
final class StormBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** EMQX's published figure for memory per idle connection. */
    static final double TARGET_KIB_PER_CONNECTION = 10;
    /** How long the node idles before its resident size is read. */
    private static final long SETTLE_MILLIS = 20_000;

    public static void main(String[] args) throws Exception {
        int devices = 10_000;
        double spreadSeconds = 0;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--devices" -> devices = Integer.parseInt(args[++i]);
                case "--spread" -> spreadSeconds = Double.parseDouble(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bench storm [--devices N (10000)] [--spread S (0: all at once)]");
                    System.out.println(
                            "  --spread S sends the CONNECTs evenly over S seconds, as a fleet's jittered reconnects would");
                    System.out.println(
                            "  with EDGEWARD_JAVA_OPTS=-XX:NativeMemoryTracking=summary it also prints where the node's memory went");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        Path work = Files.createTempDirectory("edgeward-bench-storm");
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = work.resolve("node.log");
        try (EdgewardProcess node = new EdgewardProcess(java, jar, work.resolve("data"), log, List.of())) {
            System.out.printf("Provisioning %,d devices over REST ...%n", devices);
            List<String> secrets = provision(node, devices);
            // Resident sizes are read after the node has idled a while, as a gateway idles between bursts,
            // and before the forced GC that measures the live heap (which would flatter them).
            Thread.sleep(SETTLE_MILLIS);
            long rssBefore = node.rssKib();
            long heapBefore = node.liveHeapKib();
            boolean nmt = node.jcmd("VM.native_memory", "baseline").contains("Baseline taken");
            Map<String, Long> histogramBefore = nmt ? histogram(node) : Map.of();
            long logBefore = Files.size(log);

            System.out.printf("Connecting %,d devices at once ...%n", devices);
            Storm storm = connectAll(node, secrets, spreadSeconds);
            long rssRightAfter = node.rssKib();
            Thread.sleep(SETTLE_MILLIS);
            long rssAfter = node.rssKib();
            long heapAfter = node.liveHeapKib();
            if (nmt) {
                // Started with EDGEWARD_JAVA_OPTS=-XX:NativeMemoryTracking=summary: where the resident memory went.
                System.out.println(node.jcmd("VM.native_memory", "summary.diff", "scale=MB"));
                printHistogramGrowth(histogramBefore, histogram(node), devices);
            }
            long logGrowth = Files.size(log) - logBefore;
            String ready = node.api("GET", "/ready", null).body();

            double rssPerConnection = (double) (rssAfter - rssBefore) / devices;
            double heapPerConnection = (double) (heapAfter - heapBefore) / devices;
            System.out.println();
            System.out.println("Reconnect storm: " + devices + " devices connecting "
                    + (spreadSeconds > 0 ? "over " + spreadSeconds + " s" : "at once")
                    + " (one generator process, loopback, 2 cores)");
            System.out.println("------------------------------------------------------------------------------");
            IngestBenchmark.row(
                    "Accepted on the first attempt",
                    "%,d of %,d  (target: all: %s)",
                    storm.accepted,
                    devices,
                    Figures.verdict(storm.accepted == devices));
            storm.refusals.forEach((reason, count) -> IngestBenchmark.row("  refused: " + reason, "%,d", count.get()));
            IngestBenchmark.row("Time until all were connected", "%.2f s", storm.seconds);
            IngestBenchmark.row(
                    "Node RSS before / right after / settled",
                    "%,d / %,d / %,d MiB",
                    rssBefore / 1024,
                    rssRightAfter / 1024,
                    rssAfter / 1024);
            IngestBenchmark.row(
                    "RSS per connection (settled)",
                    "%.1f KiB  (target <= %.0f KiB, EMQX: %s)",
                    rssPerConnection,
                    TARGET_KIB_PER_CONNECTION,
                    Figures.verdict(rssPerConnection <= TARGET_KIB_PER_CONNECTION));
            IngestBenchmark.row("Live heap per connection (after full GC)", "%.1f KiB", heapPerConnection);
            IngestBenchmark.row(
                    "Node RSS with all connected",
                    "%,d MiB  (target < 512 MiB: %s)",
                    rssAfter / 1024,
                    Figures.verdict(rssAfter / 1024 < 512));
            IngestBenchmark.row("Log written during the storm", "%,d bytes", logGrowth);
            IngestBenchmark.row("/ready afterwards", "%s", ready);
            System.out.println("------------------------------------------------------------------------------");
            System.out.println("Node log: " + log);
            for (Mqtt5AsyncClient client : storm.clients) {
                client.disconnect();
            }
        }
    }

    /** Live bytes per class (the histogram forces a full GC first). */
    private static Map<String, Long> histogram(EdgewardProcess node) throws Exception {
        Map<String, Long> bytes = new HashMap<>();
        for (String line : node.jcmd("GC.class_histogram").lines().toList()) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[0].endsWith(":")) {
                bytes.put(columns[3], Long.parseLong(columns[2]));
            }
        }
        return bytes;
    }

    private static void printHistogramGrowth(Map<String, Long> before, Map<String, Long> after, int devices) {
        System.out.println("Live heap growth per connection, by class (top 60):");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(60)
                .forEach(e ->
                        System.out.printf(Locale.ROOT, "  %8.1f B  %s%n", (double) e.getValue() / devices, e.getKey()));
    }

    record Storm(
            int accepted,
            ConcurrentHashMap<String, AtomicInteger> refusals,
            double seconds,
            List<Mqtt5AsyncClient> clients) {}

    private static List<String> provision(EdgewardProcess node, int devices) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<String>> registering = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            String id = id(i);
            registering.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            HttpResponse<String> reply = node.api(
                                    "POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"sensor\"}");
                            if (reply.statusCode() != 201) {
                                throw new IllegalStateException(
                                        "registering " + id + ": " + reply.statusCode() + " " + reply.body());
                            }
                            return JSON.readTree(reply.body())
                                    .at("/credentials/password")
                                    .asText();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    pool));
        }
        List<String> secrets = new ArrayList<>();
        for (CompletableFuture<String> future : registering) {
            secrets.add(future.get(300, TimeUnit.SECONDS));
        }
        pool.shutdown();
        return secrets;
    }

    private static String id(int i) {
        return String.format(Locale.ROOT, "storm-%05d", i);
    }

    /** Every device's CONNECT sent at once; no automatic reconnect, so a refusal counts as one. */
    private static Storm connectAll(EdgewardProcess node, List<String> secrets, double spreadSeconds) throws Exception {
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        for (int i = 0; i < secrets.size(); i++) {
            clients.add(MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(id(i))
                    .serverHost("127.0.0.1")
                    .serverPort(node.mqttPort)
                    .simpleAuth()
                    .username(id(i))
                    .password(secrets.get(i).getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .buildAsync());
        }
        ConcurrentHashMap<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
        AtomicInteger accepted = new AtomicInteger();
        long start = System.nanoTime();
        List<CompletableFuture<?>> connecting = new ArrayList<>();
        long spreadNanos = (long) (spreadSeconds * 1e9);
        for (int i = 0; i < clients.size(); i++) {
            Mqtt5AsyncClient client = clients.get(i);
            long due = start + spreadNanos * i / clients.size();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // not a spin: the generator shares the 2 cores
            }
            connecting.add(client.connectWith()
                    .cleanStart(false)
                    .noSessionExpiry()
                    .send()
                    .handle((connack, error) -> {
                        if (error == null) {
                            accepted.incrementAndGet();
                        } else {
                            String reason = error
                                            instanceof
                                            com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException refused
                                    ? refused.getMqttMessage().getReasonCode().toString()
                                    : error.getClass().getSimpleName();
                            refusals.computeIfAbsent(reason, r -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                        return null;
                    }));
        }
        CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Storm(accepted.get(), refusals, seconds, clients);
    }
}
