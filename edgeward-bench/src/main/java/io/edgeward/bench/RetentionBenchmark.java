package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bench retention}: ingest at a fixed rate while a large expiry runs (issue 20: "ingest
 * throughput and the acknowledgement p99 do not visibly move while a large expiry runs"). The same
 * generator, rate and duration against two packaged nodes: one on an empty data directory, one on
 * a directory holding a backlog of points 40 days old, which its first retention pass (raw: 30d)
 * deletes while the generator runs. The node's expired-row counter is sampled meanwhile, so the
 * report says when the expiry ran against the measured window.
 */
final class RetentionBenchmark {

    private static final long DAY = 86_400_000L;
    private static final String EXPIRED = "edgeward_store_expired_points_total{tier=\"raw\"}";

    private final Path work;
    private final Path jar;
    private final long backlog;
    private final long rate;
    private final IngestBenchmark ingest;

    private RetentionBenchmark(Path work, Path jar, int devices, int seconds, int warmup, long backlog, long rate) {
        this.work = work;
        this.jar = jar;
        this.backlog = backlog;
        this.rate = rate;
        this.ingest = new IngestBenchmark(work, jar, devices, seconds, warmup);
    }

    static void main(String[] args) throws Exception {
        int devices = 50;
        int seconds = 20;
        int warmup = 5;
        long backlog = 5_000_000;
        long rate = 15_000;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--devices" -> devices = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--backlog" -> backlog = Long.parseLong(args[++i]);
                case "--rate" -> rate = Long.parseLong(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("""
                            usage: bench retention [--backlog 5000000] [--rate 15000] [--devices 50] [--seconds 20] [--warmup 5]
                              publishes at --rate msg/s (QoS 1) against a node with an empty store, then against one whose
                              first retention pass deletes --backlog expired points meanwhile; compares rate and PUBACK latency""");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " not found: build first (./mvnw -DskipTests package)");
        }
        Path work = Files.createTempDirectory("edgeward-retention-bench");
        new RetentionBenchmark(work, jar.toAbsolutePath(), devices, seconds, warmup, backlog, rate).run();
    }

    private void run() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "Edgeward retention benchmark: %,d msg/s, QoS 1, a backlog of %,d expired points, work dir %s%n%n",
                rate,
                backlog,
                work);
        String java = ProcessHandle.current().info().command().orElse("java");

        System.out.println("[1/2] An empty store: nothing to expire");
        Path fresh = work.resolve("fresh");
        JsonNode quiet;
        try (EdgewardProcess node = new EdgewardProcess(java, jar, fresh, work.resolve("fresh.log"), List.of())) {
            quiet = ingest.generate(
                    IngestBenchmark.concat(ingest.target(node, fresh, "quiet-"), List.of("--rate", rate + "/s")),
                    "retention-quiet");
        }

        System.out.printf(
                Locale.ROOT, "%n[2/2] A store holding %,d points 40 days old (retention.raw: 30d)%n", backlog);
        Path aged = work.resolve("aged");
        preload(aged);
        JsonNode busy;
        List<long[]> samples = new ArrayList<>();
        long started;
        try (EdgewardProcess node =
                new EdgewardProcess(java, jar, aged, work.resolve("aged.log"), List.of("retention.interval=1s"))) {
            AtomicBoolean sampling = new AtomicBoolean(true);
            started = System.nanoTime();
            Thread sampler = Thread.ofPlatform().name("expiry-sampler").start(() -> {
                while (sampling.get()) {
                    try {
                        samples.add(
                                new long[] {(System.nanoTime() - started) / 1_000_000, (long) node.metric(EXPIRED)});
                        Thread.sleep(250);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            busy = ingest.generate(
                    IngestBenchmark.concat(ingest.target(node, aged, "busy-"), List.of("--rate", rate + "/s")),
                    "retention-during-expiry");
            long generatorMillis = (System.nanoTime() - started) / 1_000_000;
            sampling.set(false);
            sampler.join();
            samples.add(new long[] {generatorMillis, (long) node.metric(EXPIRED)});
            report(quiet, busy, samples, generatorMillis);
        }
    }

    /** Writes the backlog through the store's own write path, as a node would have stored it 40 days ago. */
    private void preload(Path data) throws Exception {
        long start = System.currentTimeMillis() - 40 * DAY;
        long began = System.nanoTime();
        try (SqlStore store = SqlStore.open(StoreSettings.embedded(data), Threads.named("preload"))) {
            store.start();
            List<Point> batch = new ArrayList<>(20_000);
            for (long i = 0; i < backlog; i++) {
                DeviceId device = DeviceId.of("aged-" + (i % 50));
                batch.add(new Point(device, "temperature", start + (i / 50) * 1_000, Value.of(i % 400 / 10.0), "C"));
                if (batch.size() == 20_000) {
                    store.telemetryWriter().commit(CommitBatch.of(List.copyOf(batch)));
                    batch.clear();
                }
            }
            store.telemetryWriter().commit(CommitBatch.of(batch));
            store.telemetryReader().latest(DeviceId.of("aged-0")); // merged before the node opens the files
        }
        System.out.printf(Locale.ROOT, "      preloaded in %.0f s%n", (System.nanoTime() - began) / 1e9);
    }

    private void report(JsonNode quiet, JsonNode busy, List<long[]> samples, long generatorMillis) {
        long first = -1;
        long last = -1;
        long total = samples.getLast()[1];
        for (long[] sample : samples) {
            if (first < 0 && sample[1] > 0) {
                first = sample[0];
            }
            if (last < 0 && sample[1] >= total && total > 0) {
                last = sample[0];
            }
        }
        System.out.println();
        System.out.println("Results (same machine, same generator, same rate)");
        System.out.println("------------------------------------------------------------------------------");
        row("Empty store: achieved, p50 / p99 / max", quiet);
        row("During the expiry: achieved, p50 / p99 / max", busy);
        System.out.printf(
                Locale.ROOT,
                "%-46s %,d of %,d rows, between %.1f s and %.1f s of the generator's %.1f s%n",
                "Expired during the run",
                total,
                backlog,
                first / 1e3,
                last / 1e3,
                generatorMillis / 1e3);
        double p99Quiet = quiet.get("p99Millis").asDouble();
        double p99Busy = busy.get("p99Millis").asDouble();
        System.out.printf(
                Locale.ROOT,
                "%-46s %.2f x rate, p99 %+.1f ms%n",
                "During / empty",
                busy.get("ackedPerSecond").asDouble()
                        / quiet.get("ackedPerSecond").asDouble(),
                p99Busy - p99Quiet);
        System.out.println("------------------------------------------------------------------------------");
    }

    private static void row(String name, JsonNode run) {
        System.out.printf(
                Locale.ROOT,
                "%-46s %,.0f msg/s, %.2f / %.2f / %.2f ms, errors %d%n",
                name,
                run.get("ackedPerSecond").asDouble(),
                run.get("p50Millis").asDouble(),
                run.get("p99Millis").asDouble(),
                run.get("maxMillis").asDouble(),
                run.get("errors").asLong());
    }
}
