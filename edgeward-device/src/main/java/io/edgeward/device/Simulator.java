package io.edgeward.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import io.reactivex.schedulers.Schedulers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fleet of simulated sensors and thermostats: provisions them through the REST API, connects each
 * with its own MQTT 5 session (persistent, Last Will {@code offline} retained on
 * {@code device/{id}/status}, {@code online} on connect, automatic reconnect). Sensors publish
 * seed-format telemetry at a total rate and report firmware and location in their shadow;
 * thermostats answer commands and follow their shadow's desired target. Prints one live progress
 * line and a summary.
 */
public final class Simulator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIRMWARE = "2.1.0";
    /**
     * Pacing granularity at a fixed rate: the pacer sleeps at least this long, then sends every
     * message that fell due meanwhile, on schedule on average. Parking once per message (every
     * 36 µs at 28k msg/s) cost a context switch each, and context switches were most of the
     * generator's CPU on a 2-core VM.
     */
    private static final long TICK_NANOS = 1_000_000;
    /**
     * All devices share one I/O thread per core, and publish results are handled on those
     * threads: the callbacks only count, record a latency and release a permit. The client's
     * defaults (twice as many I/O threads, results handed to RxJava's computation pool) made
     * the generator use 1.2 cores at 28k msg/s; this uses about 0.5, which leaves the cores to
     * the broker under test.
     */
    private static final MqttClientExecutorConfig EXECUTORS = MqttClientExecutorConfig.builder()
            .nettyThreads(Runtime.getRuntime().availableProcessors())
            .applicationScheduler(Schedulers.from(Runnable::run))
            .build();

    private final SimulatorSettings settings;
    private final PrintStream out;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final Map<String, Long> errorReasons = new ConcurrentHashMap<>();
    private final LatencyRecorder latency = new LatencyRecorder();
    private volatile boolean stopping;

    private final OtaAgent.Counts ota = new OtaAgent.Counts();
    private final java.net.http.HttpClient downloads = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(10))
            .build();
    private volatile java.security.PublicKey signingKey;

    public Simulator(SimulatorSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Asks a running {@link #run()} to stop publishing and finish. */
    public void stop() {
        stopping = true;
    }

    public Summary run() throws IOException, InterruptedException {
        Map<String, String> secrets = settings.api() == null ? Map.of() : provision();
        signingKey = settings.api() == null ? null : signingKey();
        List<SimulatedDevice> fleet = new ArrayList<>();
        SplittableRandom seeds = new SplittableRandom(42);
        for (int i = 1; i <= settings.devices(); i++) {
            String id = settings.deviceId(i);
            fleet.add(new SimulatedDevice(id, secrets.get(id), seeds.split()));
        }
        List<Thermostat> thermostats = new ArrayList<>();
        for (int i = 1; i <= settings.thermostats(); i++) {
            String id = settings.thermostatId(i);
            thermostats.add(new Thermostat(
                    settings.brokerHost(), settings.brokerPort(), id, secrets.get(id), "1.4.2", "sim-lab-" + (i % 10)));
        }
        out.printf(
                "Connecting %d device(s)%s to %s:%d ...%n",
                fleet.size(),
                thermostats.isEmpty() ? "" : " and " + thermostats.size() + " thermostat(s)",
                settings.brokerHost(),
                settings.brokerPort());
        List<CompletableFuture<?>> connecting = new ArrayList<>();
        for (SimulatedDevice device : fleet) {
            connecting.add(device.connect());
        }
        for (Thermostat thermostat : thermostats) {
            connecting.add(thermostat.connect());
        }
        try {
            CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            for (SimulatedDevice device : fleet) {
                device.disconnect();
            }
            thermostats.forEach(Thermostat::disconnect);
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(
                    "could not connect the devices to " + settings.brokerHost() + ":" + settings.brokerPort() + ": "
                            + (e instanceof TimeoutException ? "no CONNACK within 60 s" : cause.getMessage()),
                    cause);
        }
        out.printf(
                "Publishing %s, QoS %d. Ctrl-C to stop.%n",
                settings.ratePerSecond() == 0
                        ? "as fast as acknowledged"
                        : String.format("%.0f msg/s", settings.ratePerSecond()),
                settings.qos());

        long warmupAcked = settings.warmup().isZero() ? 0 : warmUp(fleet);
        long start = System.nanoTime();
        long end = settings.duration() == null
                ? Long.MAX_VALUE
                : start + settings.duration().toNanos();
        Thread progress =
                Thread.ofPlatform().daemon().name("simulator-progress").start(() -> progressLoop(start));
        publish(fleet, start, end);
        long publishEnd = System.nanoTime();
        awaitOutstanding(fleet);
        progress.interrupt();
        double seconds = (publishEnd - start) / 1e9;
        for (SimulatedDevice device : fleet) {
            device.disconnect();
        }
        thermostats.forEach(Thermostat::disconnect);
        LatencyRecorder.Snapshot snapshot = latency.snapshot();
        Summary summary = new Summary(
                fleet.size(),
                sent.get(),
                acked.get(),
                errors.get(),
                reconnects.get(),
                seconds,
                acked.get() / seconds,
                snapshot.percentileMillis(50),
                snapshot.percentileMillis(99),
                snapshot.maxMillis(),
                warmupAcked);
        out.println();
        out.println("Summary: " + summary.describe());
        if (!thermostats.isEmpty()) {
            out.printf(
                    "Thermostats: %d, commands handled %d, desired-state syncs %d%n",
                    thermostats.size(),
                    thermostats.stream().mapToLong(Thermostat::commandsHandled).sum(),
                    thermostats.stream().mapToLong(Thermostat::shadowSyncs).sum());
        }
        if (!errorReasons.isEmpty()) {
            out.println("Errors by reason: " + new TreeMap<>(errorReasons));
        }
        if (ota.completed.get() + ota.rolledBack.get() + ota.failed.get() + ota.refused.get() > 0) {
            out.printf(
                    "Firmware updates: %d completed, %d rolled back, %d failed, %d refused, %d downloads resumed%n",
                    ota.completed.get(), ota.rolledBack.get(), ota.failed.get(), ota.refused.get(), ota.resumed.get());
        }
        if (settings.summaryJson() != null) {
            Files.writeString(
                    settings.summaryJson(),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        }
        return summary;
    }

    /** Publishes as the run will, for the warm-up, then forgets the counts and latencies. */
    private long warmUp(List<SimulatedDevice> fleet) throws InterruptedException {
        out.printf("Warming up for %s (not counted) ...%n", settings.warmup());
        long start = System.nanoTime();
        publish(fleet, start, start + settings.warmup().toNanos());
        awaitOutstanding(fleet);
        long warmedUp = acked.get();
        out.printf("Warm-up done: %d acknowledged, %d errors; measuring.%n", warmedUp, errors.get());
        sent.set(0);
        acked.set(0);
        errors.set(0);
        errorReasons.clear();
        latency.reset();
        return warmedUp;
    }

    private void publish(List<SimulatedDevice> fleet, long start, long end) throws InterruptedException {
        if (settings.ratePerSecond() > 0) {
            publishAtRate(fleet, start, end);
        } else {
            publishAsFastAsAcked(fleet, end);
        }
    }

    private void publishAtRate(List<SimulatedDevice> fleet, long start, long end) {
        double intervalNanos = 1e9 / settings.ratePerSecond();
        for (long k = 0; !stopping; k++) {
            long due = start + (long) (k * intervalNanos);
            if (due >= end) {
                return;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.max(wait, TICK_NANOS));
            }
            SimulatedDevice device = fleet.get((int) (k % fleet.size()));
            // A device whose window stays full (its connection is gone for good) must not stall the fleet or a stop.
            try {
                if (device.inflight.tryAcquire(1, TimeUnit.SECONDS)) {
                    device.publishNext();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void publishAsFastAsAcked(List<SimulatedDevice> fleet, long end) throws InterruptedException {
        List<Thread> loops = new ArrayList<>();
        for (SimulatedDevice device : fleet) {
            loops.add(Thread.ofVirtual().start(() -> {
                while (!stopping && System.nanoTime() < end) {
                    try {
                        if (device.inflight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            device.publishNext();
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread loop : loops) {
            loop.join();
        }
    }

    /** Waits up to 30 s in all for the acknowledgements still outstanding. */
    private void awaitOutstanding(List<SimulatedDevice> fleet) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (SimulatedDevice device : fleet) {
            if (!device.client.getState().isConnected()) {
                continue; // its pending messages are lost with its session, or resent later by another run
            }
            long left = Math.max(0, deadline - System.nanoTime());
            if (device.inflight.tryAcquire(settings.inflightPerDevice(), left, TimeUnit.NANOSECONDS)) {
                device.inflight.release(settings.inflightPerDevice());
            }
        }
    }

    private void progressLoop(long start) {
        boolean console = System.console() != null;
        long lastAcked = 0;
        long lastTime = start;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(console ? 1000 : 5000);
                long now = System.nanoTime();
                long ackedNow = acked.get();
                double rate = (ackedNow - lastAcked) / ((now - lastTime) / 1e9);
                lastAcked = ackedNow;
                lastTime = now;
                String line = String.format(
                        "[%5.0fs] sent %d  acked %d  errors %d  reconnects %d  %.0f msg/s",
                        (now - start) / 1e9, sent.get(), ackedNow, errors.get(), reconnects.get(), rate);
                out.print(console ? "\r" + line + "   " : line + System.lineSeparator());
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Registers the devices that have no stored secret yet; secrets are kept in the credentials file. */
    /** The node's manifest-signing key, which the devices' OTA agents verify notifications with. */
    private java.security.PublicKey signingKey() throws IOException, InterruptedException {
        String pem = new PlatformClient(settings.api(), settings.token())
                .get("/api/v1/firmware/signing-key")
                .path("public_key_pem")
                .asText();
        try {
            return OtaAgent.publicKey(pem);
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("the node's signing key cannot be read: " + e.getMessage(), e);
        }
    }

    /** Updates the devices carried out, rolled back, failed or refused. */
    public OtaAgent.Counts otaCounts() {
        return ota;
    }

    private Map<String, String> provision() throws IOException, InterruptedException {
        Map<String, String> secrets = readCredentials();
        PlatformClient client = new PlatformClient(settings.api(), settings.token());
        int created = 0;
        for (int i = 1; i <= settings.devices(); i++) {
            created += register(
                    client, secrets, settings.deviceId(i), "sensor", "Simulated sensor " + i, "edgeward-sim", i);
        }
        for (int i = 1; i <= settings.thermostats(); i++) {
            created += register(
                    client,
                    secrets,
                    settings.thermostatId(i),
                    "actuator",
                    "Simulated thermostat " + i,
                    "edgeward-thermostat",
                    i);
        }
        if (created > 0) {
            writeCredentials(secrets);
        }
        out.printf(
                "Provisioned %d new device(s) through %s (%d reused from %s)%n",
                created,
                settings.api(),
                settings.devices() + settings.thermostats() - created,
                settings.credentialsFile());
        return secrets;
    }

    /** Registers one device unless its secret is already known; returns 1 if it was registered. */
    private int register(
            PlatformClient client,
            Map<String, String> secrets,
            String id,
            String type,
            String name,
            String model,
            int i)
            throws IOException, InterruptedException {
        if (secrets.containsKey(id)) {
            return 0;
        }
        JsonNode answer;
        try {
            answer = client.registerDevice(id, type, name, model, "sim-lab-" + (i % 10), List.of("simulated"));
        } catch (PlatformClient.ApiError e) {
            if (e.status() == 409) {
                throw new IOException(
                        "device " + id + " is registered but its secret is not in " + settings.credentialsFile()
                                + "; choose other ids with --prefix",
                        e);
            }
            throw e;
        }
        secrets.put(id, answer.at("/credentials/password").asText());
        return 1;
    }

    private Map<String, String> readCredentials() throws IOException {
        Map<String, String> secrets = new TreeMap<>();
        Path file = settings.credentialsFile();
        if (file != null && Files.exists(file)) {
            JSON.readTree(file.toFile())
                    .fields()
                    .forEachRemaining(e -> secrets.put(e.getKey(), e.getValue().asText()));
        }
        return secrets;
    }

    private void writeCredentials(Map<String, String> secrets) throws IOException {
        Path file = settings.credentialsFile();
        if (file == null) {
            return;
        }
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        ObjectNode json = JSON.createObjectNode();
        secrets.forEach(json::put);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system; the file keeps the platform's defaults.
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** One device: its MQTT session, its sensors and its in-flight window. */
    private final class SimulatedDevice {
        final String id;
        final Semaphore inflight = new Semaphore(settings.inflightPerDevice());
        private final Mqtt5AsyncClient client;
        private final SensorModel[] sensors;
        private final String topic;
        private final String statusTopic;
        private final String location;
        private int nextSensor;
        private volatile boolean connectedOnce;
        private final OtaAgent.Slots slots = new OtaAgent.Slots(FIRMWARE);
        private OtaAgent agent;

        SimulatedDevice(String id, String secret, SplittableRandom random) {
            this.id = id;
            this.topic = settings.topicPattern().replace("{id}", id);
            this.statusTopic = settings.statusTopicPattern().replace("{id}", id);
            this.location = "sim-lab-" + (id.hashCode() & 7);
            SensorModel.Kind[] kinds = SensorModel.Kind.values();
            this.sensors = new SensorModel[kinds.length];
            for (int i = 0; i < kinds.length; i++) {
                sensors[i] = new SensorModel(kinds[i], random.split());
            }
            var builder = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(id)
                    .executorConfig(EXECUTORS)
                    .serverHost(settings.brokerHost())
                    .serverPort(settings.brokerPort())
                    .automaticReconnect()
                    .initialDelay(500, TimeUnit.MILLISECONDS)
                    .maxDelay(30, TimeUnit.SECONDS)
                    .applyAutomaticReconnect()
                    .addConnectedListener(context -> {
                        if (connectedOnce) {
                            reconnects.incrementAndGet();
                        }
                        connectedOnce = true;
                        publishStatus("online");
                        if (settings.api() != null) {
                            reportIdentity();
                        }
                        if (agent != null) {
                            agent.subscribe();
                        }
                    });
            if (secret != null) {
                builder.simpleAuth()
                        .username(id)
                        .password(secret.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth();
            }
            this.client = builder.buildAsync();
            if (signingKey != null && secret != null) {
                this.agent = new OtaAgent(
                        id,
                        secret,
                        client,
                        signingKey,
                        slots,
                        settings.otaFailureRate(),
                        random.split(),
                        downloads,
                        ota,
                        version -> reportIdentity());
            }
        }

        CompletableFuture<?> connect() {
            Mqtt5ConnectBuilder.Send<
                            CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>>
                    connect = client.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(TimeUnit.DAYS.toSeconds(1))
                            .keepAlive(30)
                            .willPublish()
                            .topic(statusTopic)
                            .payload("offline".getBytes(StandardCharsets.UTF_8))
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .retain(true)
                            .applyWillPublish();
            return connect.send();
        }

        void publishNext() {
            SensorModel sensor = sensors[nextSensor];
            nextSensor = (nextSensor + 1) % sensors.length;
            long now = System.currentTimeMillis();
            // The seed's document; the timestamp keeps milliseconds as a fraction of a second.
            String payload = "{\"sensor_id\":\"" + id + "\",\"type\":\"" + sensor.kind().metric + "\",\"value\":"
                    + sensor.next(now)
                    + ",\"unit\":\"" + sensor.kind().unit + "\",\"location\":\"" + location + "\",\"timestamp\":"
                    + (now / 1000) + "."
                    + String.format("%03d", now % 1000) + "}";
            long started = System.nanoTime();
            sent.incrementAndGet();
            client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.fromCode(settings.qos()))
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send()
                    .whenComplete((result, error) -> {
                        Throwable failure =
                                error != null ? error : result.getError().orElse(null);
                        if (failure == null) {
                            acked.incrementAndGet();
                            latency.record(System.nanoTime() - started);
                        } else {
                            errors.incrementAndGet();
                            errorReasons.merge(
                                    failure.getClass().getSimpleName() + ": " + failure.getMessage(), 1L, Long::sum);
                        }
                        inflight.release();
                    });
        }

        /** On Edgeward, the sensor keeps its shadow's reported firmware and location current. */
        void reportIdentity() {
            client.publishWith()
                    .topic("device/" + id + "/shadow/update")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"state\":{\"reported\":{\"firmware_version\":\"" + slots.active()
                                    + "\",\"location\":\"" + location + "\"}}}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send();
        }

        CompletableFuture<?> publishStatus(String status) {
            return client.publishWith()
                    .topic(statusTopic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(status.getBytes(StandardCharsets.UTF_8))
                    .send();
        }

        void disconnect() {
            try {
                if (client.getState().isConnected()) {
                    publishStatus("offline").get(5, TimeUnit.SECONDS);
                }
                client.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // The broker is gone or slow; the Last Will says offline for us.
            }
        }
    }
}
