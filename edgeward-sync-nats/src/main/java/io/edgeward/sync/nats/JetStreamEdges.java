package io.edgeward.sync.nats;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.rules.LocalPublisher;
import io.edgeward.core.sync.SyncCodec;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.sync.SyncSettings;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a node receiving edges over NATS. Up: every edge's JetStream stream ({@code EDGEWARD_<edge>},
 * found by listing the streams every 10 s) is read with the durable pull consumer
 * {@code edgeward-cloud}, one reader per stream. A message is acknowledged only after the receiver
 * has committed it; a frame that does not read, or that is not its stream's edge's, or whose edge
 * is no gateway device here, is terminated (never redelivered) and counted; a commit that failed
 * is not acknowledged, so JetStream redelivers it.
 *
 * <p>Down: an edge that says it is there ({@code edgeward.alive.<edge>}) is connected here until it
 * has been silent for {@link JetStreams#ALIVE_FOR}, as an edge connected to the broker is; when it
 * comes, what waited for it is sent ({@code edgeReady}). What goes down to it is published to its
 * stream {@code EDGEWARD-DOWN_<edge>} ({@link #publisher}), where it waits until the edge has applied
 * it.
 */
public final class JetStreamEdges implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(JetStreamEdges.class);
    static final String CONSUMER = "edgeward-cloud";
    private static final Duration DISCOVERY = Duration.ofSeconds(10);
    private static final Duration COMMIT_WAIT = Duration.ofSeconds(60);
    /** How long JetStream waits for an acknowledgement before it delivers again (extended while committing). */
    static final Duration ACK_WAIT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SyncSettings settings;
    private final SyncReceiver receiver;
    private final DeviceRegistry registry;
    private final RateLimitedLog refusals = RateLimitedLog.perMinute();
    private final Map<String, Thread> readers = new ConcurrentHashMap<>();
    private final Threads threads;
    private volatile boolean running;
    private final NatsLink link;
    private Thread discovery;
    private final Presence presence;
    private final Consumer<DeviceId> edgeReady;
    /** Edges heard from lately → when (this node's clock). */
    private final Map<String, Long> alive = new ConcurrentHashMap<>();
    /** Edges whose down stream exists. */
    private final Set<String> downStreams = ConcurrentHashMap.newKeySet();

    public JetStreamEdges(
            SyncSettings settings,
            SyncReceiver receiver,
            DeviceRegistry registry,
            Presence presence,
            Consumer<DeviceId> edgeReady,
            Threads threads) {
        this.settings = settings;
        this.link = new NatsLink(
                JetStreams.options(settings.receive(), "edgeward-cloud", settings.maxBackoff()),
                String.valueOf(settings.receive().url()),
                this::connected,
                threads);
        this.presence = presence;
        this.edgeReady = edgeReady;
        this.threads = threads;
        this.receiver = receiver;
        this.registry = registry;
    }

    @Override
    public synchronized void start() {
        if (discovery != null) {
            return;
        }
        running = true;
        discovery = threads.virtual("sync-nats-discovery").newThread(this::discover);
        discovery.start();
    }

    @Override
    public void close() {
        running = false;
        Thread finding;
        synchronized (this) {
            finding = discovery;
        }
        if (finding != null) {
            finding.interrupt();
        }
        readers.values().forEach(Thread::interrupt);
        link.close();
    }

    private void discover() {
        link.start();
        try {
            while (running) {
                expire();
                Connection open = link.current();
                if (open != null) {
                    try {
                        List<String> streams = open.jetStreamManagement().getStreamNames();
                        for (String stream : streams) {
                            if (stream.startsWith(JetStreams.PREFIX) && !readers.containsKey(stream)) {
                                Thread reader =
                                        threads.virtual("sync-nats-" + stream).newThread(() -> read(stream));
                                readers.put(stream, reader);
                                reader.start();
                            }
                        }
                    } catch (IOException | JetStreamApiException | IllegalStateException e) {
                        LOG.debug("Listing JetStream streams: {}", e.getMessage());
                    }
                }
                Thread.sleep(open == null ? Duration.ofSeconds(1) : DISCOVERY);
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /** A new connection (the first, or one replacing a connection that stopped answering). */
    private void connected(Connection open) {
        LOG.info("Reading edges' JetStream streams at {}", settings.receive().url());
        downStreams.clear();
        Dispatcher beats = open.createDispatcher(this::heard);
        beats.subscribe(JetStreams.ALIVE + "*");
    }

    private void read(String stream) {
        new PullReader(link::current, stream, CONSUMER, ACK_WAIT, connection -> {}, this::handle).run(() -> running);
    }

    /** An edge said it is there: connected from now on; what waited for it goes if it was away. */
    private void heard(Message message) {
        String edge;
        try {
            edge = JSON.readTree(message.getData()).path("edge").asText("");
        } catch (IOException e) {
            return;
        }
        if (edge.isEmpty() || !JetStreams.aliveSubject(edge).equals(message.getSubject()) || !isGateway(edge)) {
            if (refusals.allow("alive:" + message.getSubject())) {
                LOG.warn(
                        "Ignored {} from no gateway device of this node (not logged again for a minute)",
                        message.getSubject());
            }
            return;
        }
        if (alive.put(edge, System.currentTimeMillis()) == null) {
            presence.connected(DeviceId.of(edge));
            LOG.info("Edge '{}' is connected over NATS", edge);
            // Off the dispatcher's thread: sending what waited reads the store.
            threads.virtual("sync-nats-ready")
                    .newThread(() -> edgeReady.accept(DeviceId.of(edge)))
                    .start();
        }
    }

    /** Edges silent for too long are away. */
    private void expire() {
        long before = System.currentTimeMillis() - JetStreams.ALIVE_FOR.toMillis();
        alive.forEach((edge, at) -> {
            if (at < before && alive.remove(edge, at)) {
                presence.disconnected(DeviceId.of(edge));
                LOG.info(
                        "Edge '{}' is away (not heard from over NATS for {} s)",
                        edge,
                        JetStreams.ALIVE_FOR.toSeconds());
            }
        });
    }

    /**
     * What goes down to edges: to the down stream of an edge connected over NATS, to {@code others}
     * (the broker) for the rest. The topics are {@code edge/{edge}/down/{kind}/{device}}.
     */
    public LocalPublisher publisher(LocalPublisher others) {
        return (topic, payload, qos, retain) -> {
            String[] parts = topic.split("/", 5);
            if (parts.length == 5
                    && parts[0].equals("edge")
                    && parts[2].equals("down")
                    && alive.containsKey(parts[1])) {
                publishDown(parts[1], parts[3], parts[4], payload);
            } else {
                others.publish(topic, payload, qos, retain);
            }
        };
    }

    private void publishDown(String edge, String kind, String device, byte[] payload) {
        Connection open = link.current();
        if (open == null) {
            throw new IllegalStateException(
                    "not connected to " + settings.receive().url());
        }
        try {
            if (!downStreams.contains(edge)) {
                JetStreams.ensureDownStream(open, edge);
                downStreams.add(edge);
            }
            open.jetStream()
                    .publish(NatsMessage.builder()
                            .subject(JetStreams.downSubject(edge))
                            .headers(new Headers().add(JetStreams.KIND, kind).add(JetStreams.DEVICE, device))
                            .data(payload)
                            .build());
        } catch (IOException | JetStreamApiException e) {
            downStreams.remove(edge);
            throw new IllegalStateException(
                    "could not send " + kind + " down to edge '" + edge + "': " + e.getMessage(), e);
        }
    }

    /** Stores the frame and acknowledges it only then. */
    private boolean handle(Message message) throws InterruptedException {
        String edge = edgeOf(message.getSubject());
        if (edge == null || !isGateway(edge)) {
            refuse(message, "frame on '" + message.getSubject() + "' from no gateway device of this node");
            return true;
        }
        try {
            CompletableFuture<SyncReceiver.Outcome> stored = receiver.receive(edge, message.getData());
            long deadline = System.nanoTime() + COMMIT_WAIT.toNanos();
            while (true) {
                try {
                    stored.get(ACK_WAIT.toMillis() / 2, TimeUnit.MILLISECONDS);
                    message.ack();
                    return true;
                } catch (TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    message.inProgress(); // still committing: not to be delivered again meanwhile
                }
            }
        } catch (SyncCodec.MalformedFrameException e) {
            refuse(message, e.getMessage());
            return true;
        } catch (ExecutionException | TimeoutException e) {
            // Not stored: it is read again, and what came after it.
            LOG.warn("A frame of edge '{}' was not stored ({}); it will be read again", edge, e.getMessage());
            return false;
        }
    }

    private void refuse(Message message, String reason) {
        message.term();
        if (refusals.allow(message.getSubject())) {
            LOG.warn("Refused a sync frame on {}: {} (not logged again for a minute)", message.getSubject(), reason);
        }
    }

    /** {@code edge.<edge>.sync.<stream>} (the default topic, / as .). */
    private static String edgeOf(String subject) {
        String[] parts = subject.split("\\.");
        return parts.length == 4 && parts[0].equals("edge") && parts[2].equals("sync") ? parts[1] : null;
    }

    private boolean isGateway(String edge) {
        try {
            return registry.find(DeviceId.of(edge))
                    .map(device -> device.type() == DeviceType.GATEWAY)
                    .orElse(false);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
