package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench ota}: issue 22's figures.
 *
 * <ol>
 *   <li>1,000 devices download a 4 MiB image at once over HTTP ({@code /ota/v1/jobs/{job}/firmware},
 *       each with its own secret), while the ingest benchmark's 50 devices publish at a fixed rate:
 *       the aggregate MB/s served, the node's peak RSS (target under 512 MiB), and the ingest p99
 *       during the downloads against the same rate without them, in the same run.
 *   <li>A delta's size against its full image, for a realistic pair: two releases of one program
 *       (by default two builds of commons-compress from the local Maven repository, each laid out
 *       uncompressed as a firmware image is: a zip's deflated entries would hide what two builds
 *       share), computed by the node as it would be for a device.
 * </ol>
 */
final class OtaBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OtaBenchmark() {}

    public static void main(String[] args) throws Exception {
        int devices = 1000;
        int imageMib = 4;
        int rate = 5000;
        int seconds = 20;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        Path deltaBase = null;
        Path deltaTarget = null;
        boolean deltaOnly = false;
        String downloadRate = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--devices" -> devices = Integer.parseInt(args[++i]);
                case "--image-mib" -> imageMib = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--delta-base" -> deltaBase = Path.of(args[++i]);
                case "--delta-target" -> deltaTarget = Path.of(args[++i]);
                case "--delta-only" -> deltaOnly = true;
                case "--download-rate" -> downloadRate = args[++i];
                case "--help", "-h" -> {
                    System.out.println("usage: bench ota [--devices N (1000)] [--image-mib M (4)] [--rate R/s of the"
                            + " ingest load (5000)] [--seconds S (20)] [--delta-base FILE --delta-target FILE]"
                            + " [--delta-only] [--download-rate BYTES/s for ota.max-download-rate, 0: none (the node's default)]"
                            + " [--jar edgeward-server/target/edgeward.jar]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (deltaBase == null) {
            Path m2 = Path.of(System.getProperty("user.home"), ".m2/repository/org/apache/commons/commons-compress");
            deltaBase = m2.resolve("1.27.1/commons-compress-1.27.1.jar");
            deltaTarget = m2.resolve("1.28.0/commons-compress-1.28.0.jar");
        }
        Path work = Files.createTempDirectory("edgeward-bench-ota");
        deltaBase = uncompressed(deltaBase, work);
        deltaTarget = uncompressed(deltaTarget, work);
        System.out.printf(
                Locale.ROOT,
                "Edgeward OTA benchmark: %d devices download a %d MiB image at once, ingest at %,d msg/s beside it,"
                        + " %d cores, work dir %s%n%n",
                devices,
                imageMib,
                rate,
                Runtime.getRuntime().availableProcessors(),
                work);
        String java = ProcessHandle.current().info().command().orElse("java");
        Path data = work.resolve("edgeward-data");
        IngestBenchmark load = new IngestBenchmark(work, jar.toAbsolutePath(), 50, seconds, 5);
        try (EdgewardProcess node = new EdgewardProcess(
                java,
                jar.toAbsolutePath(),
                data,
                work.resolve("edgeward.log"),
                downloadRate == null ? List.of() : List.of("ota.max-download-rate=" + downloadRate))) {
            if (deltaOnly) {
                printDelta(node, deltaBase, deltaTarget);
                return;
            }
            System.out.println("[1/3] The ingest load alone: p99 at the fixed rate");
            JsonNode quiet = load.generate(
                    IngestBenchmark.concat(load.target(node, data, "ing-"), List.of("--rate", rate + "/s")),
                    "ingest-alone");
            System.out.printf(
                    Locale.ROOT,
                    "      %,.0f msg/s acknowledged, publish->PUBACK p50 / p99 %.1f / %.1f ms%n%n",
                    quiet.path("ackedPerSecond").asDouble(),
                    quiet.path("p50Millis").asDouble(),
                    quiet.path("p99Millis").asDouble());

            System.out.printf(
                    Locale.ROOT, "[2/3] %d devices download the image at once, the ingest load beside%n", devices);
            List<String[]> jobs = prepare(node, devices, imageMib);
            long[] peakRss = {node.rssKib()};
            AtomicLong bytes = new AtomicLong();
            List<String> during =
                    IngestBenchmark.concat(load.target(node, data, "ing-"), List.of("--rate", rate + "/s"));
            CompletableFuture<JsonNode> ingest = CompletableFuture.supplyAsync(() -> {
                try {
                    return load.generate(during, "ingest-during");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(5_000 + 2_000); // the generator's warm-up, and a little of its measured time
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        peakRss[0] = Math.max(peakRss[0], node.rssKib());
                        Thread.sleep(200);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            long started = System.nanoTime();
            int failed = download(node, jobs, bytes);
            double elapsed = (System.nanoTime() - started) / 1e9;
            sampler.interrupt();
            JsonNode beside = ingest.get(seconds + 180, TimeUnit.SECONDS);
            double mbps = bytes.get() / 1e6 / elapsed;
            System.out.printf(
                    Locale.ROOT,
                    "      %,d downloads (%d failed), %,.0f MB in %.1f s: %.0f MB/s; peak RSS %,.0f MiB%n",
                    jobs.size(),
                    failed,
                    bytes.get() / 1e6,
                    elapsed,
                    mbps,
                    peakRss[0] / 1024.0);
            System.out.printf(
                    Locale.ROOT,
                    "      ingest beside them: %,.0f msg/s acknowledged, p50 / p99 %.1f / %.1f ms%n%n",
                    beside.path("ackedPerSecond").asDouble(),
                    beside.path("p50Millis").asDouble(),
                    beside.path("p99Millis").asDouble());

            System.out.println("[3/3] A delta against its full image: " + deltaBase.getFileName() + " -> "
                    + deltaTarget.getFileName());
            JsonNode delta = delta(node, deltaBase, deltaTarget);
            long full = Files.size(deltaTarget);
            System.out.printf(
                    Locale.ROOT,
                    "      full image %,d bytes, delta %,d bytes (%.1f %% of it), computed in %.1f s%n%n",
                    full,
                    delta.path("size").asLong(),
                    100.0 * delta.path("size").asLong() / full,
                    delta.path("seconds").asDouble());

            System.out.println("Results");
            System.out.println("------------------------------------------------------------------------------");
            System.out.printf(
                    Locale.ROOT,
                    "  %-46s %.0f MB/s (%d downloads of %d MiB, %d failed)%n",
                    "Served to devices downloading at once",
                    mbps,
                    jobs.size(),
                    imageMib,
                    failed);
            System.out.printf(
                    Locale.ROOT,
                    "  %-46s %,.0f MiB  %s%n",
                    "Node peak RSS during the downloads (< 512 MiB)",
                    peakRss[0] / 1024.0,
                    Figures.verdict(peakRss[0] / 1024.0 < 512));
            System.out.printf(
                    Locale.ROOT,
                    "  %-46s %.1f ms alone, %.1f ms during the downloads%n",
                    "Ingest p99 at " + rate + " msg/s",
                    quiet.path("p99Millis").asDouble(),
                    beside.path("p99Millis").asDouble());
            System.out.printf(
                    Locale.ROOT,
                    "  %-46s %,d of %,d bytes (%.1f %%)%n",
                    "Delta against the full image",
                    delta.path("size").asLong(),
                    full,
                    100.0 * delta.path("size").asLong() / full);
        }
    }

    private static void printDelta(EdgewardProcess node, Path base, Path target) throws Exception {
        JsonNode delta = delta(node, base, target);
        long full = Files.size(target);
        System.out.printf(
                Locale.ROOT,
                "A delta against its full image (%s -> %s): %,d of %,d bytes (%.1f %%), computed in %.1f s%n",
                base.getFileName(),
                target.getFileName(),
                delta.path("size").asLong(),
                full,
                100.0 * delta.path("size").asLong() / full,
                delta.path("seconds").asDouble());
    }

    /**
     * A jar or zip laid out as an uncompressed image (each entry's name and bytes, by name), as a
     * firmware image is; any other file as it is.
     */
    static Path uncompressed(Path file, Path work) throws Exception {
        String name = file.getFileName().toString();
        if (!name.endsWith(".jar") && !name.endsWith(".zip")) {
            return file;
        }
        java.util.TreeMap<String, byte[]> entries = new java.util.TreeMap<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            for (var entry : java.util.Collections.list(zip.entries())) {
                if (!entry.isDirectory()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        entries.put(entry.getName(), in.readAllBytes());
                    }
                }
            }
        }
        Path image = work.resolve(name.substring(0, name.length() - 4) + ".img");
        try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(image))) {
            for (var entry : entries.entrySet()) {
                out.write(entry.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.write(0);
                out.write(entry.getValue());
            }
        }
        return image;
    }

    /** Registers the devices, uploads the image and rolls it out to them; each device's job id and secret. */
    private static List<String[]> prepare(EdgewardProcess node, int devices, int imageMib) throws Exception {
        List<String[]> jobs = new ArrayList<>();
        StringBuilder ids = new StringBuilder();
        List<String> secrets = new ArrayList<>();
        for (int i = 1; i <= devices; i++) {
            String id = String.format(Locale.ROOT, "dl-%05d", i);
            HttpResponse<String> created = node.api(
                    "POST",
                    "/api/v1/devices",
                    "{\"device_id\":\"" + id + "\",\"model\":\"bench-dl\",\"firmware_version\":\"1.0.0\"}");
            secrets.add(
                    JSON.readTree(created.body()).at("/credentials/password").asText());
            ids.append(i == 1 ? "" : ",").append('"').append(id).append('"');
        }
        byte[] image = new byte[imageMib << 20];
        new Random(1).nextBytes(image);
        HttpResponse<String> uploaded = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort
                                        + "/api/v1/firmware?model=bench-dl&version=2.0.0"))
                                .header("Authorization", "Bearer " + EdgewardProcess.TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        String firmware = JSON.readTree(uploaded.body()).path("id").asText();
        HttpResponse<String> rollout = node.api(
                "POST", "/api/v1/rollouts", "{\"firmware_id\":\"" + firmware + "\",\"devices\":[" + ids + "]}");
        String rolloutId = JSON.readTree(rollout.body()).path("id").asText();
        String after = null;
        while (true) {
            JsonNode page = JSON.readTree(node.api(
                            "GET",
                            "/api/v1/rollouts/" + rolloutId + "/jobs?limit=1000"
                                    + (after == null ? "" : "&after=" + after),
                            null)
                    .body());
            for (JsonNode job : page.path("jobs")) {
                int index = Integer.parseInt(job.path("device_id").asText().substring(3)) - 1;
                jobs.add(new String[] {job.path("id").asText(), secrets.get(index)});
            }
            if (page.path("next_after").isNull()) {
                return jobs;
            }
            after = page.path("next_after").asText();
        }
    }

    /** Every device downloads its job's image at once (started together); returns how many failed. */
    private static int download(EdgewardProcess node, List<String[]> jobs, AtomicLong bytes) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong failed = new AtomicLong();
        try (ExecutorService devices = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String[] job : jobs) {
                devices.submit(() -> {
                    try {
                        start.await();
                        HttpResponse<InputStream> response = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + "/ota/v1/jobs/"
                                                + job[0] + "/firmware"))
                                        .timeout(Duration.ofMinutes(5))
                                        .header("Authorization", "TargetToken " + job[1])
                                        .build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                        if (response.statusCode() != 200) {
                            failed.incrementAndGet();
                            response.body().close();
                            return null;
                        }
                        byte[] buffer = new byte[64 * 1024];
                        try (InputStream in = response.body()) {
                            for (int n; (n = in.read(buffer)) > 0; ) {
                                bytes.addAndGet(n);
                            }
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                    return null;
                });
            }
            start.countDown();
        }
        return (int) failed.get();
    }

    /** Uploads two releases and has the node compute the delta between them; the delta with its time. */
    private static JsonNode delta(EdgewardProcess node, Path base, Path target) throws Exception {
        String from = upload(node, base, "1.0.0");
        String to = upload(node, target, "1.1.0");
        long started = System.nanoTime();
        HttpResponse<String> created =
                node.api("POST", "/api/v1/firmware/" + to + "/deltas", "{\"from\":\"" + from + "\"}");
        double seconds = (System.nanoTime() - started) / 1e9;
        if (created.statusCode() != 201) {
            throw new IllegalStateException("the delta was refused: " + created.body());
        }
        return ((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(created.body())).put("seconds", seconds);
    }

    private static String upload(EdgewardProcess node, Path file, String version) throws Exception {
        HttpResponse<String> uploaded = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort
                                        + "/api/v1/firmware?model=delta-bench&version=" + version + "&filename="
                                        + HexFormat.of().formatHex(version.getBytes()) + ".bin"))
                                .header("Authorization", "Bearer " + EdgewardProcess.TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofFile(file))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (uploaded.statusCode() != 201) {
            throw new IllegalStateException("the upload was refused: " + uploaded.body());
        }
        return JSON.readTree(uploaded.body()).path("id").asText();
    }
}
