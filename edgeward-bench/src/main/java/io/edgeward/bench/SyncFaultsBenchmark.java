package io.edgeward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bench sync-faults}: issue 23's long fault run (the tests run a short one: SyncIT). A cloud
 * node and an edge node as processes, the link between them through a proxy the run controls, a
 * device publishing QoS 1 to the edge throughout at {@code --rate} messages/s. The link is cut ten
 * times (1 s to 2 min), the cloud stopped twice and killed once with SIGKILL, the edge killed three
 * times. Afterwards every point the edge acknowledged must be in the cloud, the cloud must hold
 * exactly what the edge holds, and the cloud's reduced stream (a filter passing every point) must
 * hold each point once, in the order the device published it.
 */
final class SyncFaultsBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILTER =
            "processing.filters=[{\"name\":\"arrival\",\"match\":{\"metric\":\"seq\"},\"change-driven\":true}]";

    private SyncFaultsBenchmark() {}

    public static void main(String[] args) throws Exception {
        double scale = 1;
        int rate = 100;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scale" -> scale = Double.parseDouble(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: bench sync-faults [--rate msg/s (100)] [--scale F: outages' length x F (1)]"
                                    + " [--jar edgeward-server/target/edgeward.jar]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        Path work = Files.createTempDirectory("edgeward-bench-sync-faults");
        String java = ProcessHandle.current().info().command().orElse("java");
        jar = jar.toAbsolutePath();
        System.out.printf(
                Locale.ROOT, "Edgeward sync fault run: %d msg/s QoS 1 to the edge, work dir %s%n%n", rate, work);

        List<String> faults = new ArrayList<>();
        long[] cuts = {1, 2, 5, 10, 20, 30, 45, 60, 90, 120};
        for (int i = 0; i < cuts.length; i++) {
            faults.add("cut:" + Math.max(1, Math.round(cuts[i] * scale)));
            if (i == 2 || i == 5 || i == 8) {
                faults.add("kill-edge");
            }
            if (i == 3 || i == 7) {
                faults.add("stop-cloud:" + Math.max(1, Math.round(15 * scale)));
            }
            if (i == 6) {
                faults.add("kill-cloud");
            }
        }

        Path cloudData = work.resolve("cloud");
        Path edgeData = work.resolve("edge");
        int[] generation = {0};
        EdgewardProcess cloud = new EdgewardProcess(
                java, jar, cloudData, work.resolve("cloud-0.log"), List.of("sync.role=cloud", FILTER));
        var gateway = cloud.api("POST", "/api/v1/devices", "{\"device_id\":\"edge-f\",\"type\":\"gateway\"}");
        String gatewaySecret =
                JSON.readTree(gateway.body()).at("/credentials/password").asText();
        SyncBenchmark.LinkProxy link = new SyncBenchmark.LinkProxy(cloud.mqttPort);
        List<String> edgeSettings = List.of(
                "sync.role=edge",
                "sync.edge-id=edge-f",
                "sync.uplink.url=mqtt://127.0.0.1:" + link.port(),
                "sync.uplink.password=" + gatewaySecret,
                "sync.interval.low=0s",
                "sync.backoff.max=2s");
        EdgewardProcess edge = new EdgewardProcess(java, jar, edgeData, work.resolve("edge-0.log"), edgeSettings);
        var device = JSON.readTree(edge.api("POST", "/api/v1/devices", "{\"device_id\":\"fault-dev\"}")
                .body());
        String secret = device.at("/credentials/password").asText();

        long base = System.currentTimeMillis() - 3_600_000L;
        NavigableSet<Long> acknowledged = new ConcurrentSkipListSet<>();
        long next = 0;
        long started = System.nanoTime();
        try {
            for (String fault : faults) {
                Publisher publisher = new Publisher(edge.mqttPort, secret, base, next, rate, acknowledged);
                long before = acknowledged.size();
                while (acknowledged.size() < before + rate * 5L) {
                    Thread.sleep(100);
                }
                String[] parts = fault.split(":");
                long seconds = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
                System.out.printf(
                        Locale.ROOT,
                        "[%4.0f s] %s%s (%,d acknowledged so far)%n",
                        (System.nanoTime() - started) / 1e9,
                        parts[0],
                        seconds > 0 ? " for " + seconds + " s" : "",
                        acknowledged.size());
                switch (parts[0]) {
                    case "cut" -> {
                        link.cut();
                        Thread.sleep(seconds * 1000);
                        link.restore();
                        publisher.stop();
                    }
                    case "kill-edge" -> {
                        edge.kill();
                        publisher.stop();
                        edge = new EdgewardProcess(
                                java, jar, edgeData, work.resolve("edge-" + ++generation[0] + ".log"), edgeSettings);
                    }
                    case "stop-cloud", "kill-cloud" -> {
                        if (parts[0].equals("kill-cloud")) {
                            cloud.kill();
                        } else {
                            cloud.close();
                        }
                        Thread.sleep(Math.max(1, seconds) * 1000);
                        cloud = new EdgewardProcess(
                                java,
                                jar,
                                cloudData,
                                work.resolve("cloud-" + ++generation[0] + ".log"),
                                List.of("sync.role=cloud", FILTER));
                        link.retarget(cloud.mqttPort);
                        publisher.stop();
                    }
                    default -> throw new IllegalStateException(fault);
                }
                next = publisher.nextSequence();
            }
            Set<Long> atEdge = sequences(edge, base);
            System.out.printf(
                    Locale.ROOT,
                    "%nAll faults done after %.0f s: %,d acknowledged, %,d stored at the edge; waiting for the cloud%n",
                    (System.nanoTime() - started) / 1e9,
                    acknowledged.size(),
                    atEdge.size());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            Set<Long> atCloud = sequences(cloud, base);
            while (!atCloud.equals(atEdge) && System.nanoTime() < deadline) {
                Thread.sleep(2000);
                atCloud = sequences(cloud, base);
            }
            Set<Long> missing = new HashSet<>(acknowledged);
            missing.removeAll(atCloud);
            List<Long> arrival = arrival(cloud);
            boolean ordered = true;
            for (int i = 1; i < arrival.size(); i++) {
                ordered &= arrival.get(i) > arrival.get(i - 1);
            }
            System.out.println();
            System.out.println("Results");
            System.out.println("------------------------------------------------------------------------------");
            System.out.printf(Locale.ROOT, "%-48s %s%n", "Faults", String.join(", ", faults));
            System.out.printf(Locale.ROOT, "%-48s %,d%n", "Points the edge acknowledged", acknowledged.size());
            System.out.printf(
                    Locale.ROOT,
                    "%-48s %,d missing (target 0: %s)%n",
                    "Acknowledged points in the cloud",
                    missing.size(),
                    missing.isEmpty() ? "met" : "NOT met");
            System.out.printf(
                    Locale.ROOT,
                    "%-48s %s%n",
                    "Cloud holds exactly what the edge holds",
                    atCloud.equals(atEdge) ? "yes (" + atCloud.size() + " points): met" : "NO");
            System.out.printf(
                    Locale.ROOT,
                    "%-48s %,d records for %,d points, %s%n",
                    "Cloud's arrival order (reduced stream)",
                    arrival.size(),
                    atCloud.size(),
                    arrival.size() == atCloud.size() && ordered ? "each once, in order: met" : "NOT met");
        } finally {
            edge.close();
            link.close();
            cloud.close();
        }
    }

    private static Set<Long> sequences(EdgewardProcess node, long base) throws Exception {
        Set<Long> stored = new HashSet<>();
        var reply = node.api(
                "GET",
                "/api/v1/devices/fault-dev/telemetry?metric=seq&limit=100000&from=" + base + "&to="
                        + (base + 3_600_000),
                null);
        if (reply.statusCode() == 200) {
            JSON.readTree(reply.body())
                    .get("points")
                    .forEach(p -> stored.add(p.get("value").asLong()));
        }
        return stored;
    }

    private static List<Long> arrival(EdgewardProcess cloud) throws Exception {
        List<Long> values = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode records = JSON.readTree(cloud.api(
                                    "GET",
                                    "/api/v1/processing/stream?device=fault-dev&limit=10000&after=" + after,
                                    null)
                            .body())
                    .get("records");
            if (records == null || records.isEmpty()) {
                return values;
            }
            for (JsonNode record : records) {
                values.add(record.get("value").asLong());
                after = record.get("seq").asLong();
            }
        }
    }

    /** Publishes seq = n at ts = base + n ms, QoS 1, at a fixed rate; records what was acknowledged. */
    private static final class Publisher {
        private final Mqtt5AsyncClient client;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread loop;
        private volatile long sequence;

        Publisher(int port, String secret, long base, long first, int rate, NavigableSet<Long> acknowledged)
                throws Exception {
            this.sequence = first;
            this.client = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("fault-dev")
                    .serverHost("127.0.0.1")
                    .serverPort(port)
                    .simpleAuth()
                    .username("fault-dev")
                    .password(secret.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .buildAsync();
            client.connectWith().cleanStart(true).send().get(30, TimeUnit.SECONDS);
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            loop = new Thread(
                    () -> {
                        long due = System.nanoTime();
                        while (running.get()) {
                            long n = sequence++;
                            client.publishWith()
                                    .topic("sensor/fault-dev/telemetry")
                                    .qos(MqttQos.AT_LEAST_ONCE)
                                    .payload(("{\"ts\":" + (base + n) + ",\"values\":{\"seq\":" + n + "}}")
                                            .getBytes(StandardCharsets.UTF_8))
                                    .send()
                                    .whenComplete((result, error) -> {
                                        if (error == null && result.getError().isEmpty()) {
                                            acknowledged.add(n);
                                        }
                                    });
                            due += intervalNanos;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                        }
                    },
                    "fault-publisher");
            loop.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            loop.join();
            try {
                client.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the edge was killed: nothing to disconnect from
            }
        }

        long nextSequence() {
            return sequence;
        }
    }
}
