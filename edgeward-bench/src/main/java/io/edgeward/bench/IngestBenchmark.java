package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end ingest benchmark. The load generator ({@code edgeward simulate}, K devices, QoS 1,
 * seed-format telemetry, up to 10 in flight per device) runs as its own process, warming up inside
 * each run before it counts, against:
 * <ol>
 *   <li>Mosquitto (Debian's, no persistence): the baseline, plain QoS 1 pass-through;</li>
 *   <li>the packaged Edgeward node, as fast as acknowledged: every acknowledged message is durably stored;</li>
 *   <li>Edgeward at half of Mosquitto's rate: latency publish → PUBACK;</li>
 *   <li>a second node with telemetry not folded into shadow reported state, for that feature's cost;</li>
 *   <li>two more nodes, with the processing stage on ({@link #PROCESSING}: 10 windows, 4 filters) and
 *       off, measured in turn (issue 20: at least 0.9 of ingest without them).</li>
 * </ol>
 * It prints the figures, the ratios and the verdict against the targets.
 */
public final class IngestBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Ten windows (tumbling and sliding, every function) and four filters over the simulator's four metrics. */
    static final List<String> PROCESSING = List.of(
            "processing.windows=" + String.join(" ", """
                    [{"name": "temp_10s", "match": {"metric": "temperature"}, "size": "10s", "functions": ["mean", "min", "max"]},
                     {"name": "temp_1m", "match": {"metric": "temperature"}, "size": "1m", "slide": "10s",
                      "functions": ["mean", "stddev"]},
                     {"name": "temp_5m", "match": {"metric": "temperature"}, "size": "5m", "functions": ["mean", "count"]},
                     {"name": "hum_10s", "match": {"metric": "humidity"}, "size": "10s", "functions": ["mean"]},
                     {"name": "hum_1m", "match": {"metric": "humidity"}, "size": "1m", "slide": "20s", "functions": ["min", "max"]},
                     {"name": "press_30s", "match": {"metric": "pressure"}, "size": "30s", "functions": ["mean", "last"]},
                     {"name": "press_5m", "match": {"metric": "pressure"}, "size": "5m", "slide": "1m", "functions": ["mean"]},
                     {"name": "vibration_10s", "match": {"metric": "vibration"}, "size": "10s", "functions": ["max", "count"]},
                     {"name": "vibration_1m", "match": {"metric": "vibration"}, "size": "1m", "slide": "10s",
                      "functions": ["mean", "min", "max", "stddev", "count"]},
                     {"name": "all_1m", "match": {"device": "*"}, "size": "1m", "functions": ["sum", "first"]}]
                    """.split("\n")),
            "processing.filters=" + String.join(" ", """
                    [{"name": "temp_band", "match": {"metric": "temperature"}, "deadband": {"absolute": 0.2}, "heartbeat": "5m"},
                     {"name": "hum_change", "match": {"metric": "humidity"}, "deadband": {"percent": 1}},
                     {"name": "press_sample", "match": {"metric": "pressure"}, "sample": {"every": "10s", "keep": "mean"}},
                     {"name": "vib_alarm", "match": {"metric": "vibration"}, "threshold": {"above": 6}, "heartbeat": "1m"}]
                    """.split("\n")));

    private final Path work;
    private final String java;
    private final Path jar;
    private final int devices;
    private final int seconds;
    private final int warmupSeconds;

    int warmupSeconds() {
        return warmupSeconds;
    }

    IngestBenchmark(Path work, Path jar, int devices, int seconds, int warmupSeconds) {
        this.work = work;
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.jar = jar;
        this.devices = devices;
        this.seconds = seconds;
        this.warmupSeconds = warmupSeconds;
    }

    public static void main(String[] args) throws Exception {
        int devices = 50;
        int seconds = 20;
        int warmup = 20;
        int runs = 1;
        boolean processingOnly = false;
        boolean edgeOnly = false;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--devices" -> devices = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--processing-only" -> processingOnly = true;
                case "--edge-only" -> edgeOnly = true;
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: bench [--devices K (50)] [--seconds S (20)] [--warmup S (20)] [--runs N (1)] "
                                    + "[--processing-only] [--edge-only] [--jar edgeward-server/target/edgeward.jar]");
                    System.out.println(
                            "  --runs N  repeats the whole benchmark N times and prints the median of each target figure:");
                    System.out.println("            on a shared machine one run's ratio and p99 move by 20 % and more");
                    System.out.println(
                            "  --processing-only  step [5] alone: the processing stage on against off, N runs");
                    System.out.println(
                            "  --edge-only  the edge role's cost: a node forwarding to a cloud (sync.role edge, every point"
                                    + " encoded into the outbox in its commit, the uplink away) against one forwarding nothing, N runs");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " not found: build first (./mvnw -DskipTests package)");
        }
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1");
        }
        Path work = Files.createTempDirectory("edgeward-bench");
        if (processingOnly) {
            processingOnly(work, jar.toAbsolutePath(), devices, seconds, warmup, runs);
            return;
        }
        if (edgeOnly) {
            edgeOnly(work, jar.toAbsolutePath(), devices, seconds, warmup, runs);
            return;
        }
        List<Figures> all = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            if (runs > 1) {
                System.out.printf(Locale.ROOT, "=== Run %d of %d ===%n", run, runs);
            }
            Path runWork = runs == 1 ? work : Files.createDirectories(work.resolve("run-" + run));
            all.add(new IngestBenchmark(runWork, jar.toAbsolutePath(), devices, seconds, warmup).run());
            System.out.println();
        }
        if (runs > 1) {
            Figures.printMedians(all);
        }
    }

    /** Step [5] alone, {@code runs} times over, with the median ratio: to measure a change to the processing stage. */
    private static void processingOnly(Path work, Path jar, int devices, int seconds, int warmup, int runs)
            throws Exception {
        List<Double> ratios = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            System.out.printf(Locale.ROOT, "[5]   Processing stage on against off, run %d of %d%n", run, runs);
            Path runWork = Files.createDirectories(work.resolve("processing-" + run));
            ratios.add(new IngestBenchmark(runWork, jar, devices, seconds, warmup)
                    .compareProcessing(2)
                    .ratio());
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        double median = sorted.get(sorted.size() / 2);
        System.out.printf(
                Locale.ROOT,
                "With processing / without: median %.2f %s (target >= 0.90: %s)%n",
                median,
                ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList(),
                Figures.verdict(Figures.processingMet(median)));
    }

    /**
     * The edge role's cost on ingest, {@code runs} times over: a node that forwards (each committed point
     * encoded into the outbox's low stream in the same transaction; the uplink points where nothing
     * listens, so nothing is sent and the comparison is the store's work alone) against one that does not.
     */
    private static void edgeOnly(Path work, Path jar, int devices, int seconds, int warmup, int runs) throws Exception {
        List<Double> ratios = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            System.out.printf(Locale.ROOT, "[E]   Edge role on against off, run %d of %d%n", run, runs);
            Path runWork = Files.createDirectories(work.resolve("edge-" + run));
            IngestBenchmark bench = new IngestBenchmark(runWork, jar, devices, seconds, warmup);
            ratios.add(bench.compare(
                    List.of(
                            "sync.role=edge",
                            "sync.edge-id=bench-edge",
                            "sync.uplink.url=mqtt://127.0.0.1:" + freePort(),
                            "sync.uplink.password=unused-secret",
                            "sync.outbox.max-disk=8GiB"),
                    "edge",
                    2));
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        System.out.printf(
                Locale.ROOT,
                "Edge role / none: median %.2f %s%n",
                sorted.get(sorted.size() / 2),
                ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList());
    }

    /** Points stored a second at full rate by a node with {@code settings} over one without, both running. */
    double compare(List<String> settings, String label, int turns) throws Exception {
        double plainStored = 0;
        double withStored = 0;
        Path plainNode = work.resolve("edgeward-data-" + label + "-off");
        Path withNode = work.resolve("edgeward-data-" + label + "-on");
        try (EdgewardProcess off = new EdgewardProcess(
                        java, jar, plainNode, work.resolve("edgeward-" + label + "-off.log"), List.of());
                EdgewardProcess on = new EdgewardProcess(
                        java, jar, withNode, work.resolve("edgeward-" + label + "-on.log"), settings)) {
            for (int turn = 1; turn <= turns; turn++) {
                plainStored += storedAtMax(off, plainNode, "off-", "edgeward-" + label + "-off-" + turn);
                withStored += storedAtMax(on, withNode, "on-", "edgeward-" + label + "-on-" + turn);
            }
        }
        double ratio = withStored / plainStored;
        System.out.printf(
                Locale.ROOT,
                "      off: %,.0f points/s stored; on: %,.0f points/s stored: %.2f%n",
                plainStored / turns,
                withStored / turns,
                ratio);
        return ratio;
    }

    Figures run() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "Edgeward ingest benchmark: %d devices, QoS 1, %d s per run, %d cores, work dir %s%n%n",
                devices,
                seconds,
                Runtime.getRuntime().availableProcessors(),
                work);

        FsyncProbe disk = FsyncProbe.measure(work, 2000);
        System.out.printf(
                Locale.ROOT,
                "[0]   The data disk: 4 KiB append + fsync, 2,000 times: p50 / p99 / max %.2f / %.2f / %.2f ms%n%n",
                disk.p50Millis(),
                disk.p99Millis(),
                disk.maxMillis());

        System.out.println("[1/3] Baseline: Mosquitto, no persistence, QoS 1 pass-through, as fast as acknowledged");
        int mosquittoPort = freePort();
        Path conf = Files.writeString(
                work.resolve("mosquitto.conf"),
                "listener " + mosquittoPort + " 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n");
        Process mosquitto = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("mosquitto.log").toFile())
                .start();
        JsonNode baseline;
        JsonNode mosquittoHalf;
        try {
            waitForPort(mosquittoPort, mosquitto);
            List<String> mosquittoTarget =
                    List.of("--no-provision", "--broker", "127.0.0.1:" + mosquittoPort, "--prefix", "mosq-");
            baseline = generate(concat(mosquittoTarget, List.of("--rate", "max")), "mosquitto");
            // The latency floor of this generator on this machine: the same paced load against a
            // broker that stores nothing. Edgeward's p99 at that rate is read against it.
            long halfRate =
                    (long) Math.max(1, Math.floor(baseline.get("ackedPerSecond").asDouble() / 2));
            System.out.printf(
                    Locale.ROOT,
                    "[1b]  Mosquitto at half of its rate (%,d msg/s): publish -> PUBACK latency of the generator alone%n",
                    halfRate);
            mosquittoHalf = generate(concat(mosquittoTarget, List.of("--rate", halfRate + "/s")), "mosquitto-half");
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor(10, TimeUnit.SECONDS);
        }
        double baseRate = baseline.get("ackedPerSecond").asDouble();
        System.out.printf(Locale.ROOT, "      Mosquitto: %,.0f msg/s acknowledged%n%n", baseRate);

        System.out.println(
                "[2/3] Edgeward (packaged jar, SQLite, group commit, telemetry into shadow reported state), as fast as acknowledged");
        Path data = work.resolve("edgeward-data");
        JsonNode max;
        JsonNode half;
        JsonNode broker;
        JsonNode brokerHalf;
        JsonNode halfOwn;
        double stored;
        long peakRss;
        // Anonymous clients, outside the device namespaces, measure the embedded broker alone.
        try (EdgewardProcess edgeward = new EdgewardProcess(
                java, jar, data, work.resolve("edgeward.log"), List.of("mqtt.allow-anonymous=true"))) {
            List<String> target = target(edgeward, data, "bench-");
            // Every run warms the generator's JIT (and here the node's) inside the measuring process,
            // at the same load, before it counts (simulate --warmup); a generator measured from a cold
            // start spends its first seconds compiling, against either broker.
            double storedBefore = edgeward.metric("iot_edge_data_processed_total");
            max = generate(concat(target, List.of("--rate", "max")), "edgeward-max");
            // Each seed message is one point; the warm-up's points are the warm-up's acknowledged messages.
            stored = (edgeward.metric("iot_edge_data_processed_total")
                            - storedBefore
                            - max.get("warmupAcked").asDouble())
                    / max.get("seconds").asDouble();
            System.out.printf(
                    Locale.ROOT,
                    "      Edgeward: %,.0f msg/s acknowledged, %,.0f points/s stored%n%n",
                    max.get("ackedPerSecond").asDouble(),
                    stored);

            System.out.println();
            System.out.println(
                    "[2b]  Edgeward's embedded broker alone: anonymous clients, non-telemetry topic, nothing stored");
            List<String> brokerOnly = List.of(
                    "--no-provision",
                    "--broker",
                    "127.0.0.1:" + edgeward.mqttPort,
                    "--prefix",
                    "pass-",
                    "--topic",
                    "bench/{id}/data",
                    "--status-topic",
                    "bench/{id}/status");
            broker = generate(concat(brokerOnly, List.of("--rate", "max")), "edgeward-broker-only");
            double halfRate = Math.max(1, Math.floor(baseRate / 2));
            // The embedded broker's own latency floor at the rate of [3]: everything Edgeward adds
            // (decoding, the group commit and its fsync, the held acknowledgement) is on top of it.
            System.out.printf(
                    Locale.ROOT,
                    "[2c]  Edgeward's embedded broker alone at half of Mosquitto's rate (%,.0f msg/s)%n",
                    halfRate);
            brokerHalf = generate(
                    concat(brokerOnly, List.of("--rate", (long) halfRate + "/s")), "edgeward-broker-only-half");
            System.out.println();

            System.out.printf(
                    Locale.ROOT,
                    "[3/3] Edgeward at half of Mosquitto's rate (%,.0f msg/s): publish -> PUBACK latency%n",
                    halfRate);
            half = generate(concat(target, List.of("--rate", (long) halfRate + "/s")), "edgeward-half");
            double halfOwnRate =
                    Math.max(1, Math.floor(max.get("ackedPerSecond").asDouble() / 2));
            System.out.printf(
                    Locale.ROOT,
                    "[3b]  Edgeward at half of its own maximum (%,.0f msg/s): publish -> PUBACK latency%n",
                    halfOwnRate);
            halfOwn = generate(concat(target, List.of("--rate", (long) halfOwnRate + "/s")), "edgeward-half-own");
            peakRss = edgeward.peakRssKib();
        }

        System.out.println();
        System.out.println(
                "[4]   Edgeward as in [2] but with shadow.reported-metrics empty (telemetry not folded into reported state)");
        JsonNode withoutReported;
        Path plainData = work.resolve("edgeward-data-no-reported");
        try (EdgewardProcess edgeward = new EdgewardProcess(
                java, jar, plainData, work.resolve("edgeward-no-reported.log"), List.of("shadow.reported-metrics="))) {
            List<String> target = target(edgeward, plainData, "plain-");
            withoutReported = generate(concat(target, List.of("--rate", "max")), "edgeward-no-reported-max");
        }
        double reportedCost = 1
                - max.get("ackedPerSecond").asDouble()
                        / withoutReported.get("ackedPerSecond").asDouble();

        System.out.println();
        System.out.println("[5]   Processing stage on (10 windows, 4 filters) against off: two fresh nodes, measured in"
                + " turn, twice each");
        ProcessingComparison processing = compareProcessing(2);
        double plainStored = processing.off();
        double processingStored = processing.on();
        double processingRatio = processing.ratio();
        report(baseline, mosquittoHalf, max, stored, half, halfOwn, broker, brokerHalf, disk, peakRss);
        row(
                "Edgeward without reported-state updates",
                "%,.0f msg/s",
                withoutReported.get("ackedPerSecond").asDouble());
        row(
                "Cost of telemetry -> reported state",
                "%.1f %%  (target <= 10 %%: %s)",
                reportedCost * 100,
                Figures.verdict(Figures.reportedCostMet(reportedCost)));
        row("Processing off / on (10 windows, 4 filters)", "%,.0f / %,.0f points/s", plainStored, processingStored);
        row(
                "With processing / without",
                "%.2f  (target >= 0.90: %s)",
                processingRatio,
                Figures.verdict(Figures.processingMet(processingRatio)));
        System.out.println("------------------------------------------------------------------------------");
        return new Figures(
                baseRate,
                stored,
                half.get("p99Millis").asDouble(),
                mosquittoHalf.get("p99Millis").asDouble(),
                brokerHalf.get("p99Millis").asDouble(),
                halfOwn.get("p99Millis").asDouble(),
                peakRss / 1024.0,
                reportedCost,
                processingRatio);
    }

    /** Points stored per second with and without the processing stage, and the stream records written. */
    record ProcessingComparison(double off, double on, double records) {
        double ratio() {
            return on / off;
        }
    }

    /**
     * Back to back on two fresh nodes, alternating, {@code turns} times each: measured minutes
     * apart, one node against [2] moved by 20 % either way with the machine's load.
     */
    ProcessingComparison compareProcessing(int turns) throws Exception {
        double plainStored = 0;
        double processingStored = 0;
        double records;
        Path plainNode = work.resolve("edgeward-data-processing-off");
        Path processingNode = work.resolve("edgeward-data-processing-on");
        try (EdgewardProcess off = new EdgewardProcess(
                        java, jar, plainNode, work.resolve("edgeward-processing-off.log"), List.of());
                EdgewardProcess on = new EdgewardProcess(
                        java, jar, processingNode, work.resolve("edgeward-processing-on.log"), PROCESSING)) {
            for (int turn = 1; turn <= turns; turn++) {
                plainStored += storedAtMax(off, plainNode, "off-", "edgeward-processing-off-" + turn);
                processingStored += storedAtMax(on, processingNode, "on-", "edgeward-processing-on-" + turn);
            }
            records = on.metric("edgeward_processing_stream_position");
        }
        ProcessingComparison result = new ProcessingComparison(plainStored / turns, processingStored / turns, records);
        System.out.printf(
                Locale.ROOT,
                "      off: %,.0f points/s stored; on: %,.0f points/s stored, %,.0f stream records written: %.2f%n",
                result.off(),
                result.on(),
                result.records(),
                result.ratio());
        return result;
    }

    /** Points stored per second while the generator publishes as fast as acknowledged, its warm-up left out. */
    double storedAtMax(EdgewardProcess edgeward, Path data, String prefix, String name) throws Exception {
        double before = edgeward.metric("iot_edge_data_processed_total");
        JsonNode run = generate(concat(target(edgeward, data, prefix), List.of("--rate", "max")), name);
        return (edgeward.metric("iot_edge_data_processed_total")
                        - before
                        - run.get("warmupAcked").asDouble())
                / run.get("seconds").asDouble();
    }

    List<String> target(EdgewardProcess edgeward, Path data, String prefix) {
        return List.of(
                "--broker",
                "127.0.0.1:" + edgeward.mqttPort,
                "--url",
                "http://127.0.0.1:" + edgeward.httpPort,
                "--token",
                EdgewardProcess.TOKEN,
                "--data-dir",
                data.toString(),
                "--prefix",
                prefix);
    }

    private void report(
            JsonNode baseline,
            JsonNode mosquittoHalf,
            JsonNode max,
            double stored,
            JsonNode half,
            JsonNode halfOwn,
            JsonNode broker,
            JsonNode brokerHalf,
            FsyncProbe disk,
            long peakRssKib) {
        double base = baseline.get("ackedPerSecond").asDouble();
        double acked = max.get("ackedPerSecond").asDouble();
        double ratio = stored / base;
        double p99 = half.get("p99Millis").asDouble();
        double rssMib = peakRssKib / 1024.0;
        System.out.println();
        System.out.println("Results (same machine, same generator, same run)");
        System.out.println("------------------------------------------------------------------------------");
        row("Mosquitto QoS 1 pass-through", "%,.0f msg/s", base);
        row(
                "Mosquitto publish->PUBACK p50 / p99",
                "%.2f / %.2f ms",
                baseline.get("p50Millis").asDouble(),
                baseline.get("p99Millis").asDouble());
        row(
                "Edgeward's embedded broker alone (no store)",
                "%,.0f msg/s  (%.2f x Mosquitto)",
                broker.get("ackedPerSecond").asDouble(),
                broker.get("ackedPerSecond").asDouble() / base);
        row("Edgeward acknowledged (stored before ack)", "%,.0f msg/s", acked);
        row("Edgeward stored", "%,.0f points/s", stored);
        row("Edgeward errors (max run)", "%d", max.get("errors").asLong());
        row(
                "Stored / Mosquitto pass-through",
                "%.2f  (target >= 0.80: %s)",
                ratio,
                Figures.verdict(Figures.ratioMet(ratio)));
        row("At half rate: achieved", "%,.0f msg/s", half.get("ackedPerSecond").asDouble());
        row(
                "At half rate: publish->PUBACK p50 / p99 / max",
                "%.2f / %.2f / %.2f ms",
                half.get("p50Millis").asDouble(),
                p99,
                half.get("maxMillis").asDouble());
        row("p99 target < 10 ms", "%s", Figures.verdict(Figures.p99Met(p99)));
        row(
                "Mosquitto at the same rate: p50 / p99 / max",
                "%.2f / %.2f / %.2f ms  (the generator's own floor)",
                mosquittoHalf.get("p50Millis").asDouble(),
                mosquittoHalf.get("p99Millis").asDouble(),
                mosquittoHalf.get("maxMillis").asDouble());
        row(
                "Embedded broker alone, same rate: p50/p99/max",
                "%.2f / %.2f / %.2f ms  (HiveMQ CE, nothing stored)",
                brokerHalf.get("p50Millis").asDouble(),
                brokerHalf.get("p99Millis").asDouble(),
                brokerHalf.get("maxMillis").asDouble());
        row(
                "Data disk fsync p50 / p99 / max",
                "%.2f / %.2f / %.2f ms  (the floor of a durable ack)",
                disk.p50Millis(),
                disk.p99Millis(),
                disk.maxMillis());
        row(
                "At half its own max: achieved",
                "%,.0f msg/s",
                halfOwn.get("ackedPerSecond").asDouble());
        row(
                "At half its own max: p50 / p99 / max",
                "%.2f / %.2f / %.2f ms",
                halfOwn.get("p50Millis").asDouble(),
                halfOwn.get("p99Millis").asDouble(),
                halfOwn.get("maxMillis").asDouble());
        row(
                "Edgeward peak RSS (VmHWM)",
                "%.0f MiB  (target < 512 MiB: %s)",
                rssMib,
                Figures.verdict(Figures.rssMet(rssMib)));
    }

    static void row(String name, String format, Object... values) {
        System.out.printf(Locale.ROOT, "%-46s " + format + "%n", concatArgs(name, values));
    }

    private static Object[] concatArgs(String name, Object[] values) {
        Object[] all = new Object[values.length + 1];
        all[0] = name;
        System.arraycopy(values, 0, all, 1, values.length);
        return all;
    }

    /** Runs the load generator as its own process and returns its JSON summary. */
    JsonNode generate(List<String> options, String name) throws Exception {
        Path summary = work.resolve(name + ".json");
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toString(),
                "simulate",
                "--devices",
                Integer.toString(devices),
                "--qos",
                "1",
                "--summary-json",
                summary.toString(),
                "--credentials",
                work.resolve("credentials.json").toString()));
        command.addAll(options);
        command.addAll(List.of("--warmup", warmupSeconds + "s", "--duration", seconds + "s"));
        Process generator = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile())
                .start();
        if (!generator.waitFor(warmupSeconds + seconds + 120, TimeUnit.SECONDS)) {
            generator.destroyForcibly();
            throw new IllegalStateException("the load generator did not finish; see " + work.resolve(name + ".log"));
        }
        if (!Files.exists(summary)) {
            throw new IllegalStateException("the load generator failed (exit " + generator.exitValue() + "):\n"
                    + Files.readString(work.resolve(name + ".log")));
        }
        JsonNode result = JSON.readTree(summary.toFile());
        System.out.printf(
                Locale.ROOT,
                "      %s: sent %d, acked %d, errors %d, %.0f msg/s, p50 %.2f ms, p99 %.2f ms%n",
                name,
                result.get("sent").asLong(),
                result.get("acked").asLong(),
                result.get("errors").asLong(),
                result.get("ackedPerSecond").asDouble(),
                result.get("p50Millis").asDouble(),
                result.get("p99Millis").asDouble());
        return result;
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void waitForPort(int port, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "mosquitto exited (exit " + process.exitValue() + "); is Debian's mosquitto installed?");
            }
            try (var socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
