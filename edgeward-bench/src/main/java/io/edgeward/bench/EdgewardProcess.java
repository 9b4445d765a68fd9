package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged node started as its own process on free loopback ports, as a user runs it: through
 * the {@code edgeward} launcher next to the build (its JVM options, heap bound included), or with
 * {@code java -jar} when the jar stands alone.
 */
final class EdgewardProcess implements AutoCloseable {

    static final String TOKEN = "benchmark-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Process process;
    final int mqttPort;
    final int httpPort;
    final int coapPort;
    final int coapsPort;
    private final HttpClient http = HttpClient.newHttpClient();

    /** @param settings extra {@code key=value} settings passed with {@code --set} */
    EdgewardProcess(String java, Path jar, Path data, Path log, List<String> settings) throws Exception {
        Path launcher = jar.toAbsolutePath().getParent().getParent().getParent().resolve("edgeward");
        List<String> command = new ArrayList<>(
                Files.isExecutable(launcher)
                        ? List.of(launcher.toString())
                        // A jar outside its tree (copied away so that a build cannot disturb the run): the
                        // launcher's heap bound still applies, or the node's footprint would follow the
                        // machine's memory (561 MiB against 424 in run 18's first attempt).
                        : List.of(
                                java,
                                "--enable-native-access=ALL-UNNAMED",
                                "-Xmx" + Objects.requireNonNullElse(System.getenv("EDGEWARD_HEAP"), "256m"),
                                "-XX:+ExitOnOutOfMemoryError",
                                "-jar",
                                jar.toString()));
        command.addAll(List.of(
                "run",
                "--data-dir",
                data.toString(),
                "--mqtt-port",
                "0",
                "--http-port",
                "0",
                "--coap-port",
                "0",
                "--coaps-port",
                "0",
                "--set",
                "mqtt.bind-address=127.0.0.1",
                "--set",
                "http.bind-address=127.0.0.1",
                "--set",
                "coap.bind-address=127.0.0.1"));
        for (String setting : settings) {
            command.add("--set");
            command.add(setting);
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("EDGEWARD_ADMIN_TOKEN", TOKEN);
        // A restart on the same data directory: the last run's file names the last run's ports.
        Files.deleteIfExists(data.resolve("ports.json"));
        process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        JsonNode ports = waitForPorts(data, process, log);
        mqttPort = ports.get("mqtt").asInt();
        httpPort = ports.get("http").asInt();
        coapPort = ports.get("coap").asInt();
        coapsPort = ports.get("coaps").asInt();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Sends an authenticated API request. */
    HttpResponse<String> api(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One sample of /metrics, e.g. {@code iot_edge_data_processed_total}; 0 when absent. */
    double metric(String sample) throws IOException, InterruptedException {
        String body = api("GET", "/metrics", null).body();
        return body.lines()
                .filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1)))
                .findFirst()
                .orElse(0);
    }

    /** Resident set size now (VmRSS), KiB. */
    long rssKib() throws IOException {
        return procStatus("VmRSS:");
    }

    /**
     * The heap that is live after a full collection, KiB: what the node holds, without the garbage
     * a collector has not yet reclaimed (asked of the JVM with jcmd, from the benchmark's own JDK).
     */
    long liveHeapKib() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        return used.find() ? Long.parseLong(used.group(1)) : -1;
    }

    /** A jcmd diagnostic command against the node, e.g. {@code VM.native_memory baseline}; its output. */
    String jcmd(String... command) throws IOException, InterruptedException {
        Path jcmd =
                Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        List<String> line = new ArrayList<>(List.of(jcmd.toString(), Long.toString(process.pid())));
        line.addAll(List.of(command));
        return run(line.toArray(String[]::new));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        return output;
    }

    private long procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Peak resident set size (VmHWM), KiB. */
    long peakRssKib() throws IOException {
        return procStatus("VmHWM:");
    }

    private static JsonNode waitForPorts(Path data, Process process, Path log) throws Exception {
        Path file = data.resolve("ports.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(file)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("Edgeward did not start; see " + log);
            }
            Thread.sleep(100);
        }
        return JSON.readTree(file.toFile());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
