package io.edgeward.sync.nats;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.sync.SyncCodec;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.sync.SyncSettings;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a node receiving edges over NATS: every edge's JetStream stream ({@code EDGEWARD_<edge>},
 * found by listing the streams every 10 s) is read with the durable pull consumer
 * {@code edgeward-cloud}, one reader per stream. A message is acknowledged only after the receiver
 * has committed it; a frame that does not read, or that is not its stream's edge's, or whose edge
 * is no gateway device here, is terminated (never redelivered) and counted; a commit that failed
 * is not acknowledged, so JetStream redelivers it.
 */
public final class JetStreamEdges implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(JetStreamEdges.class);
    static final String CONSUMER = "edgeward-cloud";
    private static final Duration DISCOVERY = Duration.ofSeconds(10);
    private static final Duration COMMIT_WAIT = Duration.ofSeconds(60);

    private final SyncSettings settings;
    private final SyncReceiver receiver;
    private final DeviceRegistry registry;
    private final RateLimitedLog refusals = RateLimitedLog.perMinute();
    private final Map<String, Thread> readers = new ConcurrentHashMap<>();
    private final Threads threads;
    private volatile boolean running;
    private volatile Connection connection;
    private Thread discovery;

    public JetStreamEdges(SyncSettings settings, SyncReceiver receiver, DeviceRegistry registry, Threads threads) {
        this.settings = settings;
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
        Connection open = connection;
        if (open != null) {
            try {
                open.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void discover() {
        try {
            connection = Nats.connectReconnectOnConnect(
                    JetStreams.options(settings.receive(), "edgeward-cloud", settings.maxBackoff()));
            LOG.info(
                    "Reading edges' JetStream streams at {}", settings.receive().url());
            while (running) {
                try {
                    List<String> streams = connection.jetStreamManagement().getStreamNames();
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
                Thread.sleep(DISCOVERY);
            }
        } catch (IOException e) {
            LOG.error(
                    "Cannot connect to {} to read edges: {}", settings.receive().url(), e.getMessage());
        } catch (InterruptedException e) {
            // closing
        }
    }

    private void read(String stream) {
        JetStreamSubscription subscription = null;
        while (running) {
            try {
                if (subscription == null) {
                    connection
                            .jetStreamManagement()
                            .addOrUpdateConsumer(
                                    stream,
                                    ConsumerConfiguration.builder()
                                            .durable(CONSUMER)
                                            .ackPolicy(AckPolicy.Explicit)
                                            .ackWait(COMMIT_WAIT.plusSeconds(30))
                                            .build());
                    subscription = connection.jetStream().subscribe(null, PullSubscribeOptions.bind(stream, CONSUMER));
                }
                for (Message message : subscription.fetch(64, Duration.ofSeconds(1))) {
                    handle(message);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | JetStreamApiException | IllegalStateException e) {
                // The server went away or restarts: bind again once it is back.
                LOG.debug("Reading {}: {}", stream, e.getMessage());
                subscription = null;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Stores the frame and acknowledges it only then. */
    private void handle(Message message) throws InterruptedException {
        String edge = edgeOf(message.getSubject());
        if (edge == null || !isGateway(edge)) {
            refuse(message, "frame on '" + message.getSubject() + "' from no gateway device of this node");
            return;
        }
        try {
            receiver.receive(edge, message.getData()).get(COMMIT_WAIT.toSeconds(), TimeUnit.SECONDS);
            message.ack();
        } catch (SyncCodec.MalformedFrameException e) {
            refuse(message, e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
            // Not stored: JetStream redelivers it after the ack wait.
            LOG.warn("A frame of edge '{}' was not stored ({}); it will be redelivered", edge, e.getMessage());
            message.nakWithDelay(Duration.ofSeconds(5));
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
