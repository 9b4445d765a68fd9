package io.edgeward.sync.nats;

import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncSettings;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Options;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** What the edge's and the cloud's sides agree on: stream names, subjects, connection options. */
final class JetStreams {

    /** Every edge's stream is named so; the cloud reads the streams with this prefix. */
    static final String PREFIX = "EDGEWARD_";

    /**
     * What goes down to an edge waits in a stream of its own, {@code EDGEWARD-DOWN_<edge>} (not
     * {@link #PREFIX}: the cloud reads only the edges' up streams).
     */
    static final String DOWN_PREFIX = "EDGEWARD-DOWN_";

    /** The message headers that say what a down message is and for which device. */
    static final String KIND = "Edgeward-Kind";

    static final String DEVICE = "Edgeward-Device";

    /** An edge says it is there on {@code edgeward.alive.<edge>} (core NATS) every so often. */
    static final String ALIVE = "edgeward.alive.";

    static final Duration ALIVE_EVERY = Duration.ofSeconds(5);

    /** An edge not heard from for this long is away. */
    static final Duration ALIVE_FOR = Duration.ofSeconds(20);

    /** How long what goes down waits for an edge that does not come back. */
    static final Duration DOWN_MAX_AGE = Duration.ofDays(30);

    /** The consumer an edge reads what comes down with. */
    static final String EDGE_CONSUMER = "edgeward-edge";

    private JetStreams() {}

    static String downStreamName(String edgeId) {
        return DOWN_PREFIX + safe(edgeId);
    }

    static String downSubject(String edgeId) {
        return "edgeward.down." + safe(edgeId);
    }

    static String aliveSubject(String edgeId) {
        return ALIVE + safe(edgeId);
    }

    private static String safe(String edgeId) {
        return edgeId.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /**
     * Creates the edge's down stream when missing (both sides do: whichever comes first): file
     * storage, work-queue retention (a message goes once the edge acknowledged it), kept 30 days.
     */
    static void ensureDownStream(Connection connection, String edgeId) throws IOException, JetStreamApiException {
        var management = connection.jetStreamManagement();
        String name = downStreamName(edgeId);
        try {
            management.getStreamInfo(name);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            try {
                management.addStream(StreamConfiguration.builder()
                        .name(name)
                        .subjects(downSubject(edgeId))
                        .storageType(StorageType.File)
                        .retentionPolicy(RetentionPolicy.WorkQueue)
                        .maxAge(DOWN_MAX_AGE)
                        .build());
            } catch (JetStreamApiException exists) {
                if (exists.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw exists;
                }
            }
        }
    }

    static final int STREAM_NOT_FOUND = 10059;

    private static final int STREAM_NAME_IN_USE = 10058;

    /** {@code EDGEWARD_<edge>}: a stream name has no '.', '*', '>' or ':'. */
    static String streamName(String edgeId) {
        return PREFIX + edgeId.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** The MQTT-style topic template as a NATS subject. */
    static String subject(SyncSettings.UplinkSettings uplink, String edgeId, Priority stream) {
        return uplink.topicFor(edgeId, stream).replace('/', '.');
    }

    /** The edge's stream takes all of its streams' subjects. */
    static String subjects(SyncSettings.UplinkSettings uplink, String edgeId) {
        return uplink.topic().replace("{edge}", edgeId).replace("{stream}", "*").replace('/', '.');
    }

    static Options options(SyncSettings.UplinkSettings link, String name, Duration maxBackoff) {
        Options.Builder builder = new Options.Builder()
                .server(link.url().toString())
                .connectionName(name)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(Math.min(2_000, maxBackoff.toMillis())))
                .connectionTimeout(Duration.ofSeconds(5));
        if (!link.token().isEmpty()) {
            builder.token(link.token().toCharArray());
        } else if (!link.username().isEmpty()) {
            builder.userInfo(link.username(), link.password());
        }
        if (link.tls() && !link.caFile().isEmpty()) {
            builder.sslContext(trustOnly(link.trustStore()));
        }
        return builder.build();
    }

    private static SSLContext trustOnly(KeyStore store) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("sync.uplink.tls.ca-file: " + e.getMessage(), e);
        }
    }
}
