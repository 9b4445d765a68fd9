package io.edgeward.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.util.ExecutorsUtil;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/**
 * CoAP telemetry ingest: confirmable POSTs of the seed's document from many peers (one UDP socket
 * and one device each) with a few requests in flight per peer, against the packaged node as its
 * own process. A 2.04 is an acknowledgement of durable storage, so acknowledged requests/s is
 * stored requests/s; the node's own counter of stored points is read as a check.
 *
 * <p>Plain peers are raw UDP sockets on one selector thread (cheap, so that the generator takes
 * as little of the 2 cores as possible); DTLS peers are Scandium clients with pre-shared keys.
 * Message ids are never reused within a peer's run, as RFC 7252 requires within EXCHANGE_LIFETIME,
 * which caps one peer near 250 requests/s: hence hundreds of peers.
 */
final class CoapBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRANSMIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    public static void main(String[] args) throws Exception {
        int peers = 300;
        int dtlsPeers = 60;
        int window = 4;
        int seconds = 20;
        int warmup = 10;
        Path jar = Path.of("edgeward-server/target/edgeward.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peers" -> peers = Integer.parseInt(args[++i]);
                case "--dtls-peers" -> dtlsPeers = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: bench coap [--peers P (300)] [--dtls-peers D (60)] [--window W (4)] [--seconds S (20)] [--warmup S (10)]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " not found: build first (./mvnw -DskipTests package)");
        }
        Path work = Files.createTempDirectory("edgeward-bench-coap");
        String java = ProcessHandle.current().info().command().orElse("java");
        System.out.printf(
                Locale.ROOT,
                "Edgeward CoAP benchmark: %d plain peers, %d DTLS peers, %d in flight each, %d s (after %d s warm-up), %d cores%n%n",
                peers,
                dtlsPeers,
                window,
                seconds,
                warmup,
                Runtime.getRuntime().availableProcessors());
        try (EdgewardProcess node = new EdgewardProcess(
                java,
                jar.toAbsolutePath(),
                work.resolve("data"),
                work.resolve("node.log"),
                List.of("coap.plain-token-auth=true"))) {
            List<String[]> devices = provision(node, Math.max(peers, dtlsPeers));
            System.out.printf("[plain] warming up %d s ...%n", warmup);
            plain(node, devices.subList(0, peers), window, warmup);
            double storedBefore = node.metric("iot_edge_data_processed_total");
            System.out.printf("[plain] measuring %d s ...%n", seconds);
            DeviceBenchmark.Latencies plain = plain(node, devices.subList(0, peers), window, seconds);
            double stored = node.metric("iot_edge_data_processed_total") - storedBefore;

            System.out.printf("[dtls] handshakes and warm-up %d s ...%n", warmup);
            Dtls dtls = new Dtls(node, devices.subList(0, dtlsPeers));
            try {
                dtls.run(window, warmup);
                System.out.printf("[dtls] measuring %d s ...%n", seconds);
                DeviceBenchmark.Latencies secure = dtls.run(window, seconds);

                System.out.println();
                System.out.println("Results (same machine, same run; 2.04 = durably stored)");
                System.out.println("------------------------------------------------------------------------------");
                IngestBenchmark.row(
                        "plain CoAP: stored requests/s",
                        "%,.0f /s  (node counted %,.0f points/s; target >= 15,000)",
                        plain.count() / plain.seconds(),
                        stored / plain.seconds());
                IngestBenchmark.row(
                        "plain CoAP: request -> 2.04 latency",
                        "p50 %.1f ms, p99 %.1f ms  (errors/retransmissions %d)",
                        plain.percentile(50),
                        plain.percentile(99),
                        plain.errors());
                IngestBenchmark.row("CoAP over DTLS: stored requests/s", "%,.0f /s", secure.count() / secure.seconds());
                IngestBenchmark.row(
                        "CoAP over DTLS: request -> 2.04 latency",
                        "p50 %.1f ms, p99 %.1f ms  (errors %d)",
                        secure.percentile(50),
                        secure.percentile(99),
                        secure.errors());
                IngestBenchmark.row("node peak RSS", "%,d MiB", node.peakRssKib() / 1024);
                System.out.println("------------------------------------------------------------------------------");
            } finally {
                dtls.close();
            }
        }
    }

    /** Registers the devices; each entry is {id, token (the secret), psk}. */
    private static List<String[]> provision(EdgewardProcess node, int count) throws Exception {
        String prefix = "cb-" + System.currentTimeMillis() % 100_000 + "-";
        List<String[]> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + i;
            var reply = node.api("POST", "/api/v1/devices", "{\"device_id\":\"" + id + "\",\"type\":\"sensor\"}");
            if (reply.statusCode() != 201) {
                throw new IllegalStateException("registration failed: " + reply.body());
            }
            var credentials = JSON.readTree(reply.body()).get("credentials");
            devices.add(new String[] {
                id,
                credentials.get("password").asText(),
                credentials.get("coap_psk").asText()
            });
        }
        return devices;
    }

    private static byte[] document(String id, long ts) {
        return ("{\"sensor_id\":\"" + id + "\",\"type\":\"temperature\",\"value\":" + (20 + (ts % 100) / 10.0)
                        + ",\"unit\":\"C\",\"location\":\"bench\",\"timestamp\":" + ts / 1000.0 + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** One peer's state: its socket, its next message id and what it has in flight. */
    private static final class Peer {
        final DatagramChannel channel;
        final String id;
        final List<String> path;
        int nextMid;
        long nextTs = System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(50);
        final Map<Integer, long[]> inFlight = new HashMap<>(); // mid -> {sentNanos, firstSentNanos}
        final Map<Integer, byte[]> messages = new HashMap<>();

        Peer(DatagramChannel channel, String id, String token, int firstMid) {
            this.channel = channel;
            this.id = id;
            this.path = List.of("api", "v1", token, "telemetry");
            this.nextMid = firstMid;
        }

        void send() throws IOException {
            int mid = nextMid;
            nextMid = (nextMid + 1) & 0xffff;
            byte[] message = post(mid, path, document(id, nextTs++));
            long now = System.nanoTime();
            inFlight.put(mid, new long[] {now, now});
            messages.put(mid, message);
            channel.write(ByteBuffer.wrap(message));
        }
    }

    private static DeviceBenchmark.Latencies plain(
            EdgewardProcess node, List<String[]> devices, int window, int seconds) throws Exception {
        DeviceBenchmark.Latencies latencies = new DeviceBenchmark.Latencies();
        try (Selector selector = Selector.open()) {
            List<Peer> peers = new ArrayList<>();
            Random random = new Random(7);
            for (String[] device : devices) {
                DatagramChannel channel = DatagramChannel.open();
                channel.configureBlocking(false);
                channel.connect(new InetSocketAddress("127.0.0.1", node.coapPort));
                Peer peer = new Peer(channel, device[0], device[1], random.nextInt(0x10000));
                channel.register(selector, SelectionKey.OP_READ, peer);
                peers.add(peer);
            }
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            for (Peer peer : peers) {
                for (int i = 0; i < window; i++) {
                    peer.send();
                }
            }
            ByteBuffer buffer = ByteBuffer.allocate(2048);
            long lastCheck = start;
            while (System.nanoTime() < end) {
                selector.select(50);
                for (SelectionKey key : selector.selectedKeys()) {
                    Peer peer = (Peer) key.attachment();
                    buffer.clear();
                    while (peer.channel.read(buffer) > 0) {
                        buffer.flip();
                        int mid = ((buffer.get(2) & 0xff) << 8) | (buffer.get(3) & 0xff);
                        int code = buffer.get(1) & 0xff;
                        long[] sent = peer.inFlight.remove(mid);
                        peer.messages.remove(mid);
                        if (sent != null) {
                            if (code == ((2 << 5) | 4)) {
                                latencies.record(System.nanoTime() - sent[1]);
                            } else {
                                latencies.error();
                            }
                            if (System.nanoTime() < end) {
                                peer.send();
                            }
                        }
                        buffer.clear();
                    }
                }
                selector.selectedKeys().clear();
                long now = System.nanoTime();
                if (now - lastCheck > TimeUnit.MILLISECONDS.toNanos(200)) {
                    lastCheck = now;
                    for (Peer peer : peers) {
                        for (var entry : peer.inFlight.entrySet()) {
                            if (now - entry.getValue()[0] > RETRANSMIT_NANOS) {
                                entry.getValue()[0] = now; // a lost datagram: retransmit, same message id
                                latencies.error();
                                peer.channel.write(ByteBuffer.wrap(peer.messages.get(entry.getKey())));
                            }
                        }
                    }
                }
            }
            latencies.finish(start);
            for (Peer peer : peers) {
                peer.channel.close();
            }
        }
        return latencies;
    }

    /** A confirmable POST, content-format JSON, one-byte token (RFC 7252, section 3). */
    static byte[] post(int mid, List<String> path, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 80);
        out.write(0x41);
        out.write(0x02);
        out.write(mid >> 8);
        out.write(mid & 0xff);
        out.write(mid & 0xff);
        int previous = 0;
        for (String segment : path) {
            writeOption(out, 11 - previous, segment.getBytes(StandardCharsets.UTF_8));
            previous = 11;
        }
        writeOption(out, 12 - previous, new byte[] {50});
        out.write(0xff);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static void writeOption(ByteArrayOutputStream out, int delta, byte[] value) {
        int length = value.length;
        out.write((delta << 4) | (length < 13 ? length : 13));
        if (length >= 13) {
            out.write(length - 13);
        }
        out.writeBytes(value);
    }

    /** DTLS peers: one Scandium connector each, sharing the generator's threads. */
    private static final class Dtls implements AutoCloseable {
        private final List<CoapClient> clients = new ArrayList<>();
        private final List<String> ids = new ArrayList<>();
        private final List<CoapEndpoint> endpoints = new ArrayList<>();
        private final ScheduledExecutorService main = ExecutorsUtil.newScheduledThreadPool(
                2, new org.eclipse.californium.elements.util.DaemonThreadFactory("bench-coap"));
        private final ScheduledExecutorService secondary =
                ExecutorsUtil.newDefaultSecondaryScheduler("bench-coap-timer");

        Dtls(EdgewardProcess node, List<String[]> devices) {
            CoapConfig.register();
            UdpConfig.register();
            DtlsConfig.register();
            for (String[] device : devices) {
                Configuration config = Configuration.createStandardWithoutFile();
                config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
                config.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
                config.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
                DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(config)
                        .setAddress(new InetSocketAddress("127.0.0.1", 0))
                        .setAdvancedPskStore(
                                new AdvancedSinglePskStore(device[0], device[2].getBytes(StandardCharsets.US_ASCII)))
                        .build());
                CoapEndpoint endpoint = CoapEndpoint.builder()
                        .setConfiguration(config)
                        .setConnector(connector)
                        .build();
                endpoint.setExecutors(main, secondary);
                endpoints.add(endpoint);
                CoapClient client = new CoapClient("coaps://127.0.0.1:" + node.coapsPort + "/telemetry");
                client.setEndpoint(endpoint);
                clients.add(client);
                ids.add(device[0]);
            }
        }

        DeviceBenchmark.Latencies run(int window, int seconds) throws InterruptedException {
            DeviceBenchmark.Latencies latencies = new DeviceBenchmark.Latencies();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong ts = new AtomicLong(System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(40));
            long start = System.nanoTime();
            for (int c = 0; c < clients.size(); c++) {
                for (int i = 0; i < window; i++) {
                    send(clients.get(c), ids.get(c), ts, latencies, running);
                }
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            running.set(false);
            latencies.finish(start);
            Thread.sleep(2_000); // let what is in flight land before the next run
            return latencies;
        }

        private void send(
                CoapClient client,
                String id,
                AtomicLong ts,
                DeviceBenchmark.Latencies latencies,
                AtomicBoolean running) {
            Request request = Request.newPost();
            request.setPayload(document(id, ts.getAndIncrement()));
            request.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
            long sent = System.nanoTime();
            client.advanced(
                    new CoapHandler() {
                        @Override
                        public void onLoad(CoapResponse response) {
                            if (response.getCode() == ResponseCode.CHANGED) {
                                latencies.record(System.nanoTime() - sent);
                            } else {
                                latencies.error();
                            }
                            if (running.get()) {
                                send(client, id, ts, latencies, running);
                            }
                        }

                        @Override
                        public void onError() {
                            latencies.error();
                            if (running.get()) {
                                send(client, id, ts, latencies, running);
                            }
                        }
                    },
                    request);
        }

        @Override
        public void close() {
            clients.forEach(CoapClient::shutdown);
            endpoints.forEach(CoapEndpoint::destroy);
            main.shutdownNow();
            secondary.shutdownNow();
        }
    }
}
