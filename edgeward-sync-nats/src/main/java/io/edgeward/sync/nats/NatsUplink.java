package io.edgeward.sync.nats;

import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.sync.Downlink;
import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncSettings;
import io.edgeward.core.sync.Uplink;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An edge's uplink over NATS JetStream: each frame is one message on the edge's own stream
 * ({@code EDGEWARD_<edge>}, file storage, created when missing), with {@code Nats-Msg-Id} set to
 * the frame's id so a frame sent again within the duplicate window is stored once. A publish
 * acknowledgement means the stream has the frame on disk: the outbox rows may go. A frame larger
 * than the server's max payload is a refusal (the sender splits it, and parks a row too large
 * alone); anything else is a failure to try again.
 */
public final class NatsUplink implements Uplink {

    private static final Logger LOG = LoggerFactory.getLogger(NatsUplink.class);
    /** How long JetStream remembers a message id: longer than any retry of one frame takes. */
    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(10);

    private final SyncSettings settings;
    private final String target;
    private final String stream;
    private final NatsLink link;
    private volatile boolean streamReady;
    private final Threads threads;
    private volatile NatsDownlink down;

    public NatsUplink(SyncSettings settings, Threads threads) {
        this.settings = settings;
        this.threads = threads;
        this.target = settings.uplink().url().toString();
        this.stream = JetStreams.streamName(settings.edgeId());
        this.down = new NatsDownlink(settings.edgeId(), null, threads);
        this.link = new NatsLink(
                JetStreams.options(settings.uplink(), "edgeward-edge-" + settings.edgeId(), settings.maxBackoff()),
                target,
                this::connected,
                threads);
    }

    @Override
    public void start() {
        // The first connection may wait for a server that is away; it is made on the link's thread, and
        // the sender's attempts fail meanwhile (and say so).
        link.start();
    }

    /** A new connection (the first, or one replacing a connection that stopped answering). */
    private void connected(Connection open) {
        LOG.info("Sync uplink connected to {} (stream {})", target, stream);
        streamReady = false;
        down.start(open);
    }

    @Override
    public void close() {
        down.close();
        link.close();
    }

    @Override
    public Delivery send(Priority priority, String id, byte[] frame) throws IOException, InterruptedException {
        Connection open = connection();
        if (open.getStatus() != Connection.Status.CONNECTED) {
            throw new IOException("not connected to " + target + " (" + open.getStatus() + ")");
        }
        if (frame.length > open.getMaxPayload()) {
            return Delivery.refused(
                    "frame of " + frame.length + " bytes over the server's max payload of " + open.getMaxPayload());
        }
        try {
            ensureStream(open);
            JetStream jetStream = open.jetStream();
            Headers headers = new Headers().add("Nats-Msg-Id", id);
            jetStream.publish(
                    NatsMessage.builder()
                            .subject(JetStreams.subject(settings.uplink(), settings.edgeId(), priority))
                            .headers(headers)
                            .data(frame)
                            .build(),
                    PublishOptions.builder()
                            .expectedStream(stream)
                            .streamTimeout(Duration.ofSeconds(10))
                            .build());
            return Delivery.ACCEPTED;
        } catch (JetStreamApiException e) {
            throw new IOException("JetStream refused frame " + id + ": " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            // jnats: the connection closed or is reconnecting mid-publish.
            throw new IOException("frame " + id + ": " + e.getMessage(), e);
        }
    }

    private Connection connection() throws IOException {
        Connection open = link.current();
        if (open == null) {
            throw new IOException("not connected to " + target + " yet");
        }
        return open;
    }

    private void ensureStream(Connection open) throws IOException, JetStreamApiException {
        if (streamReady) {
            return;
        }
        JetStreamManagement management = open.jetStreamManagement();
        try {
            management.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != JetStreams.STREAM_NOT_FOUND) {
                throw e;
            }
            management.addStream(StreamConfiguration.builder()
                    .name(stream)
                    .subjects(JetStreams.subjects(settings.uplink(), settings.edgeId()))
                    .storageType(StorageType.File)
                    .duplicateWindow(DUPLICATE_WINDOW)
                    .build());
            LOG.info("Created JetStream stream {} at {}", stream, target);
        }
        streamReady = true;
    }

    /** What the cloud sends down waits in this edge's down stream and is read once connected. */
    @Override
    public void receive(Downlink downlink) {
        this.down = new NatsDownlink(settings.edgeId(), downlink, threads);
    }

    @Override
    public boolean connected() {
        Connection open = link.current();
        return open != null && open.getStatus() == Connection.Status.CONNECTED;
    }

    @Override
    public String target() {
        return target;
    }
}
