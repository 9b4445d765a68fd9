package io.edgeward.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The floods of the adversarial test of issue 18, each at full speed for a while (10 s by
 * default), while one good device publishes over MQTT (QoS 1, 50 msg/s) and one over plain CoAP
 * (confirmable, 20 requests/s). For each flood: what the attacker sent, the good devices' p99 and
 * how many of their requests were answered, how much the node's log grew, and whether it stayed
 * ready. A quiet period first gives the same figures without a flood, to compare against.
 */
final class AbuseBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bench abuse [--seconds S (10)]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        Path work = Files.createTempDirectory("edgeward-bench-abuse");
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = work.resolve("node.log");
        try (EdgewardProcess node =
                new EdgewardProcess(java, jar, work.resolve("data"), log, List.of("coap.plain-token-auth=true"))) {
            new AbuseBenchmark(node, log, seconds).run();
            System.out.println("Node log: " + log);
        }
    }

    private final EdgewardProcess node;
    private final Path log;
    private final int seconds;
    private final String goodSecret;
    private final String victimSecret;

    private AbuseBenchmark(EdgewardProcess node, Path log, int seconds) throws Exception {
        this.node = node;
        this.log = log;
        this.seconds = seconds;
        this.goodSecret = register("good-device");
        this.victimSecret = register("unit-attacker");
    }

    private String register(String id) throws Exception {
        HttpResponse<String> reply =
                node.api("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"sensor\"}");
        return JSON.readTree(reply.body()).at("/credentials/password").asText();
    }

    private void run() throws Exception {
        List<Flood> floods = List.of(
                new Flood("none (baseline)", stop -> 0),
                new Flood("MQTT CONNECT, no credentials, 60,000-char unique client ids", this::hugeClientIds),
                new Flood("MQTT CONNECT, wrong password", this::wrongPasswords),
                new Flood("MQTT PUBLISH, 120,000-char unit (authenticated device)", this::hugeUnits),
                new Flood("CoAP POST, Block1 szx 0 + 200 B payload, no token", this::block1Datagrams),
                new Flood("CoAP POST, random access tokens", this::wrongTokens),
                new Flood("REST, wrong bearer tokens", this::wrongBearers));
        System.out.printf(
                "%d s per flood; good devices: MQTT QoS 1 at 50 msg/s, plain CoAP confirmable at 20/s%n%n", seconds);
        List<String> rows = new ArrayList<>();
        for (Flood flood : floods) {
            System.out.println("Flood: " + flood.name + " ...");
            rows.add(measure(flood));
        }
        System.out.println();
        System.out.println(
                "Abuse run: each flood at full speed from one generator process on the same 2 cores, loopback");
        System.out.println(
                "-----------------------------------------------------------------------------------------------------------------");
        System.out.printf(
                "%-58s %10s %16s %16s %10s %6s%n",
                "flood", "sent", "MQTT p99 (n)", "CoAP p99 (n)", "log bytes", "ready");
        rows.forEach(System.out::println);
        System.out.println(
                "-----------------------------------------------------------------------------------------------------------------");
    }

    /** An attack: runs until {@code stop} is set, returns how many requests it sent. */
    interface Attack {
        long run(AtomicBoolean stop) throws Exception;
    }

    record Flood(String name, Attack attack) {}

    private String measure(Flood flood) throws Exception {
        long logBefore = Files.size(log);
        AtomicBoolean stop = new AtomicBoolean();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var mqtt = threads.submit(() -> goodMqtt(stop));
            var coap = threads.submit(() -> goodCoap(stop));
            var attack = threads.submit(() -> flood.attack.run(stop));
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            stop.set(true);
            long sent = attack.get(60, TimeUnit.SECONDS);
            Latencies mqttLatencies = mqtt.get(60, TimeUnit.SECONDS);
            Latencies coapLatencies = coap.get(60, TimeUnit.SECONDS);
            Thread.sleep(1_000); // the last refusals' log lines
            long logGrowth = Files.size(log) - logBefore;
            String ready = node.process.isAlive()
                    ? JSON.readTree(node.api("GET", "/ready", null).body())
                            .path("status")
                            .asText()
                    : "DEAD";
            return String.format(
                    Locale.ROOT,
                    "%-58s %,10d %9.1f ms (%d) %9.1f ms (%d) %,10d %6s",
                    flood.name,
                    sent,
                    mqttLatencies.p99(),
                    mqttLatencies.count(),
                    coapLatencies.p99(),
                    coapLatencies.count(),
                    logGrowth,
                    ready);
        }
    }

    record Latencies(long[] nanos) {
        double p99() {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(0.99 * sorted.length) - 1)] / 1e6;
        }

        int count() {
            return nanos.length;
        }
    }

    private Latencies goodMqtt(AtomicBoolean stop) throws Exception {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("good-device")
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .simpleAuth()
                .username("good-device")
                .password(goodSecret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        client.connect();
        List<Long> samples = new ArrayList<>();
        try {
            while (!stop.get()) {
                long start = System.nanoTime();
                client.publishWith()
                        .topic("sensor/good-device/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"values\":{\"t\":" + (start % 1000) + "}}").getBytes(StandardCharsets.UTF_8))
                        .send();
                samples.add(System.nanoTime() - start);
                pace(start, 20);
            }
        } finally {
            client.disconnect();
        }
        return new Latencies(samples.stream().mapToLong(Long::longValue).toArray());
    }

    /** Confirmable POSTs one at a time; a request unanswered for 2 s counts as lost, not as a sample. */
    private Latencies goodCoap(AtomicBoolean stop) throws Exception {
        List<Long> samples = new ArrayList<>();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(2_000);
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", node.coapPort);
            int mid = 1;
            byte[] buffer = new byte[2048];
            while (!stop.get()) {
                long start = System.nanoTime();
                byte[] request = coapPost(
                        mid,
                        List.of("api", "v1", goodSecret, "telemetry"),
                        new byte[] {(byte) mid},
                        "{\"values\":{\"c\":1}}".getBytes(StandardCharsets.UTF_8),
                        -1);
                socket.send(new DatagramPacket(request, request.length, server));
                try {
                    while (true) {
                        DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
                        socket.receive(answer);
                        if (((buffer[2] & 0xff) << 8 | (buffer[3] & 0xff)) == mid) {
                            samples.add(System.nanoTime() - start);
                            break;
                        }
                    }
                } catch (SocketTimeoutException e) {
                    // lost: the device would retransmit
                }
                mid = (mid + 1) & 0xffff;
                pace(start, 50);
            }
        }
        return new Latencies(samples.stream().mapToLong(Long::longValue).toArray());
    }

    private static void pace(long startNanos, long periodMillis) throws InterruptedException {
        long left = TimeUnit.MILLISECONDS.toNanos(periodMillis) - (System.nanoTime() - startNanos);
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    // ---- the floods ----

    /** Runs {@code connections} at a time, each: open, send, wait at most a second for an answer, close. */
    private long tcpFlood(AtomicBoolean stop, int parallel, LongFunction<byte[]> packet) throws Exception {
        AtomicLong sent = new AtomicLong();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < parallel; t++) {
                threads.submit(() -> {
                    while (!stop.get()) {
                        long n = sent.incrementAndGet();
                        try (Socket socket = new Socket("127.0.0.1", node.mqttPort)) {
                            socket.setSoTimeout(1_000);
                            socket.getOutputStream().write(packet.apply(n));
                            socket.getInputStream().read();
                        } catch (IOException e) {
                            // refused, reset or timed out: the attacker goes on
                        }
                    }
                    return null;
                });
            }
        }
        return sent.get();
    }

    private long hugeClientIds(AtomicBoolean stop) throws Exception {
        String padding = "x".repeat(60_000);
        return tcpFlood(stop, 16, n -> connect5Anonymous("flood-" + n + "-" + padding));
    }

    private long wrongPasswords(AtomicBoolean stop) throws Exception {
        return tcpFlood(stop, 64, n -> connect311("good-device", "wrong-" + n));
    }

    private long hugeUnits(AtomicBoolean stop) {
        Mqtt5BlockingClient attacker = MqttClient.builder()
                .useMqttVersion5()
                .identifier("unit-attacker")
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .simpleAuth()
                .username("unit-attacker")
                .password(victimSecret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        attacker.connect();
        StringBuilder json =
                new StringBuilder("{\"unit\":\"").append("u".repeat(120_000)).append("\",\"values\":{");
        for (int i = 0; i < 1_000; i++) {
            json.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i);
        }
        byte[] payload = json.append("}}").toString().getBytes(StandardCharsets.UTF_8);
        long sent = 0;
        while (!stop.get()) {
            try {
                attacker.publishWith()
                        .topic("sensor/unit-attacker/telemetry")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(payload)
                        .send();
            } catch (RuntimeException e) {
                // refused with a reason code: the point of the exercise
            }
            sent++;
        }
        attacker.disconnect();
        return sent;
    }

    private long udpFlood(AtomicBoolean stop, LongFunction<byte[]> datagram) throws Exception {
        long sent = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", node.coapPort);
            Thread drain = Thread.ofVirtual().start(() -> {
                byte[] buffer = new byte[2048];
                while (!socket.isClosed()) {
                    try {
                        socket.receive(new DatagramPacket(buffer, buffer.length));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            while (!stop.get()) {
                byte[] bytes = datagram.apply(sent);
                socket.send(new DatagramPacket(bytes, bytes.length, server));
                sent++;
            }
            socket.close();
            drain.join();
        }
        return sent;
    }

    private long block1Datagrams(AtomicBoolean stop) throws Exception {
        byte[] payload = new byte[200];
        return udpFlood(stop, n -> coapPost((int) (n & 0xffff), List.of("telemetry"), new byte[0], payload, 0));
    }

    private long wrongTokens(AtomicBoolean stop) throws Exception {
        byte[] payload = "{\"values\":{\"t\":1}}".getBytes(StandardCharsets.UTF_8);
        return udpFlood(
                stop,
                n -> coapPost(
                        (int) (n & 0xffff),
                        List.of(
                                "api",
                                "v1",
                                "random-" + ThreadLocalRandom.current().nextLong(),
                                "telemetry"),
                        new byte[] {1},
                        payload,
                        -1));
    }

    private long wrongBearers(AtomicBoolean stop) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Semaphore inFlight = new Semaphore(32);
        AtomicLong sent = new AtomicLong();
        URI uri = URI.create("http://127.0.0.1:" + node.httpPort + "/api/v1/devices");
        while (!stop.get()) {
            inFlight.acquire();
            sent.incrementAndGet();
            http.sendAsync(
                            HttpRequest.newBuilder(uri)
                                    .header("Authorization", "Bearer wrong-" + sent.get())
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> inFlight.release());
        }
        inFlight.acquire(32);
        return sent.get();
    }

    // ---- packets by hand ----

    private static byte[] connect5Anonymous(String clientId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.writeBytes(new byte[] {5, 0b0000_0010, 0, 60, 0});
        string(body, clientId);
        return packet(0x10, body);
    }

    private static byte[] connect311(String username, String password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.writeBytes(new byte[] {4, (byte) 0b1100_0010, 0, 60});
        string(body, username);
        string(body, username);
        string(body, password);
        return packet(0x10, body);
    }

    private static byte[] packet(int header, ByteArrayOutputStream body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.size();
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xff);
        out.writeBytes(bytes);
    }

    /** A confirmable POST; {@code block1Szx} >= 0 adds a Block1 option (block 0, more follow) of that size exponent. */
    private static byte[] coapPost(int mid, List<String> path, byte[] token, byte[] payload, int block1Szx) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x40 | token.length);
        out.write(0x02);
        out.write(mid >> 8);
        out.write(mid & 0xff);
        out.writeBytes(token);
        int last = 0;
        for (String segment : path) {
            last = option(out, last, 11, segment.getBytes(StandardCharsets.UTF_8));
        }
        last = option(out, last, 12, new byte[] {50}); // application/json
        if (block1Szx >= 0) {
            option(out, last, 27, new byte[] {(byte) (0x08 | block1Szx)});
        }
        out.write(0xff);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static int option(ByteArrayOutputStream out, int last, int number, byte[] value) {
        int delta = number - last;
        int length = value.length;
        out.write(((delta < 13 ? delta : 13) << 4) | (length < 13 ? length : 13));
        if (delta >= 13) {
            out.write(delta - 13);
        }
        if (length >= 13) {
            out.write(length - 13);
        }
        out.writeBytes(value);
        return number;
    }
}
