package io.edgeward.sync.nats;

import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.sync.Downlink;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge whose uplink is NATS: says it is there ({@code edgeward.alive.<edge>} every
 * {@link JetStreams#ALIVE_EVERY}; the cloud counts it connected while it hears it) and reads what
 * comes down from its own stream {@code EDGEWARD-DOWN_<edge>} with the durable consumer
 * {@link JetStreams#EDGE_CONSUMER}, acknowledging each message once it is applied: what the cloud
 * sent while this edge was away, or while it was down, waits in the stream.
 */
final class NatsDownlink {

    private static final Logger LOG = LoggerFactory.getLogger(NatsDownlink.class);

    private final String edgeId;
    private final Downlink downlink;
    private final Threads threads;
    private Thread reader;
    private Thread heartbeat;

    NatsDownlink(String edgeId, Downlink downlink, Threads threads) {
        this.edgeId = edgeId;
        this.downlink = downlink;
        this.threads = threads;
    }

    /** Runs on this connection (a new one replaces the last: what ran on that stops). */
    synchronized void start(Connection connection) {
        close();
        heartbeat = threads.virtual("sync-nats-alive").newThread(() -> beat(connection));
        heartbeat.start();
        if (downlink != null) {
            reader = threads.virtual("sync-nats-down").newThread(() -> read(connection));
            reader.start();
        }
    }

    synchronized void close() {
        for (Thread thread : new Thread[] {heartbeat, reader}) {
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    private void beat(Connection connection) {
        byte[] body = ("{\"edge\":\"" + edgeId + "\"}").getBytes(StandardCharsets.UTF_8);
        String subject = JetStreams.aliveSubject(edgeId);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (connection.getStatus() == Connection.Status.CONNECTED) {
                    try {
                        connection.publish(subject, body);
                    } catch (IllegalStateException e) {
                        // reconnecting: the next beat goes
                    }
                }
                Thread.sleep(JetStreams.ALIVE_EVERY);
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    private void read(Connection connection) {
        LOG.info("Reading what the cloud sends down from JetStream stream {}", JetStreams.downStreamName(edgeId));
        new PullReader(
                        () -> connection,
                        JetStreams.downStreamName(edgeId),
                        JetStreams.EDGE_CONSUMER,
                        Duration.ofSeconds(60),
                        open -> JetStreams.ensureDownStream(open, edgeId),
                        this::apply)
                .run(() -> true);
    }

    /** Applied (or refused, which the downlink logs), then acknowledged: it is not sent again. */
    private boolean apply(Message message) {
        var headers = message.getHeaders();
        String kind = headers == null ? null : headers.getFirst(JetStreams.KIND);
        String device = headers == null ? null : headers.getFirst(JetStreams.DEVICE);
        if (kind == null || device == null) {
            LOG.warn("Dropped a message from the cloud without its kind and device");
            message.term();
            return true;
        }
        downlink.received(kind, device, message.getData());
        message.ack();
        return true;
    }
}
