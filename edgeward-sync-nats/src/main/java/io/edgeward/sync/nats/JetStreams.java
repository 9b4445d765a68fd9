package io.edgeward.sync.nats;

import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncSettings;
import io.nats.client.Options;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** What the edge's and the cloud's sides agree on: stream names, subjects, connection options. */
final class JetStreams {

    /** Every edge's stream is named so; the cloud reads the streams with this prefix. */
    static final String PREFIX = "EDGEWARD_";

    private JetStreams() {}

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
