package io.edgeward.sync.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.sync.Downlink;
import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncSettings;
import io.edgeward.core.sync.Uplink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An edge's uplink over MQTT 5: each frame is one QoS 1 PUBLISH on {@code sync.uplink.topic}, and
 * it counts as delivered on a successful PUBACK (a cloud Edgeward sends it only once the frame is
 * stored; another broker once it has the message). A PUBACK with 0x99 (payload format invalid) or
 * 0x97 (quota exceeded) is a refusal; any other error code, a lost connection or no PUBACK within
 * the timeout is a failure to try again. The session is clean: what was in flight when the link
 * broke is sent again by the sender, from the outbox.
 */
public final class MqttUplink implements Uplink {

    private static final Logger LOG = LoggerFactory.getLogger(MqttUplink.class);
    private static final long ACK_TIMEOUT_SECONDS = 30;
    /** Room for the PUBLISH's fixed header, topic and properties beside the payload. */
    private static final int PUBLISH_OVERHEAD = 512;

    private final SyncSettings settings;
    private final Mqtt5AsyncClient client;
    private final String target;
    /** One after another, off the client's threads: a device's commands keep their order. */
    private final ExecutorService downlinks;

    private volatile Downlink downlink;

    public MqttUplink(SyncSettings settings, Threads threads) {
        this.settings = settings;
        this.downlinks = Executors.newSingleThreadExecutor(threads.virtual("sync-downlink"));
        SyncSettings.UplinkSettings uplink = settings.uplink();
        String host = uplink.url().host();
        int port = uplink.url().port();
        this.target = uplink.url().toString();
        String username = uplink.username().isEmpty() ? settings.edgeId() : uplink.username();
        var builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(settings.edgeId())
                .serverHost(host)
                .serverPort(port)
                .automaticReconnect()
                .initialDelay(500, TimeUnit.MILLISECONDS)
                .maxDelay(settings.maxBackoff().toMillis(), TimeUnit.MILLISECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(context -> {
                    LOG.info("Sync uplink connected to {}", target);
                    subscribeDown();
                })
                .addDisconnectedListener(context -> {
                    if (context.getSource() != com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource.USER) {
                        LOG.debug(
                                "Sync uplink to {} disconnected: {}",
                                target,
                                context.getCause().getMessage());
                    }
                });
        if (uplink.tls()) {
            if (uplink.caFile().isEmpty()) {
                builder.sslWithDefaultConfig();
            } else {
                builder.sslConfig()
                        .trustManagerFactory(trustOnly(uplink.trustStore()))
                        .applySslConfig();
            }
        }
        String password = uplink.password().isEmpty() ? uplink.token() : uplink.password();
        if (!password.isEmpty()) {
            builder.simpleAuth()
                    .username(username)
                    .password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        this.client = builder.buildAsync();
    }

    @Override
    public void receive(Downlink downlink) {
        this.downlink = downlink;
    }

    /**
     * What comes down: {@code edge/{edge}/down/{command|shadow}/{device}}. The session is clean, so
     * the subscription is made again on every connection; what the cloud sent while the edge was
     * away waits at the cloud (its command queue, its shadows) and is sent once this subscription is
     * granted.
     */
    private void subscribeDown() {
        if (downlink == null) {
            return;
        }
        String prefix = "edge/" + settings.edgeId() + "/down/";
        client.subscribeWith()
                .topicFilter(prefix + "#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    String rest = publish.getTopic().toString().substring(prefix.length());
                    int slash = rest.indexOf('/');
                    if (slash > 0) {
                        byte[] payload = publish.getPayloadAsBytes();
                        downlinks.execute(
                                () -> downlink.received(rest.substring(0, slash), rest.substring(slash + 1), payload));
                    }
                })
                .send()
                .whenComplete((ack, error) -> {
                    if (error != null) {
                        LOG.warn("Sync uplink {}: could not subscribe to {}#: {}", target, prefix, error.getMessage());
                    }
                });
    }

    @Override
    public void start() {
        // The first attempt may fail (the cloud is away); automatic reconnect keeps trying from then on.
        client.connectWith().cleanStart(true).send().whenComplete((ack, error) -> {
            if (error != null) {
                LOG.warn("Sync uplink {}: not connected yet ({}); retrying", target, error.getMessage());
            }
        });
    }

    @Override
    public void close() {
        downlinks.shutdown();
        if (client.getState() != MqttClientState.DISCONNECTED) {
            try {
                client.disconnect().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("Sync uplink {}: disconnect: {}", target, e.getMessage());
            }
        }
    }

    @Override
    public Delivery send(Priority stream, String id, byte[] frame) throws IOException, InterruptedException {
        if (!client.getState().isConnected()) {
            throw new IOException("not connected to " + target);
        }
        // A frame the server would refuse for its size (it closes the connection on one) is refused
        // here: the sender splits it, and parks a row too large alone, rather than retrying forever.
        int maxPacket = client.getConfig()
                .getConnectionConfig()
                .map(config -> config.getRestrictionsForClient().getSendMaximumPacketSize())
                .orElse(Integer.MAX_VALUE);
        if (frame.length + PUBLISH_OVERHEAD > maxPacket) {
            return Delivery.refused(
                    "frame of " + frame.length + " bytes over the server's maximum packet size of " + maxPacket);
        }
        Mqtt5PublishResult result;
        try {
            result = client.publishWith()
                    .topic(settings.uplink().topicFor(settings.edgeId(), stream))
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .contentType(
                            settings.uplink().format().equals("json") ? "application/json" : "application/x-protobuf")
                    .payload(frame)
                    .send()
                    .get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(
                    "frame " + id + " not acknowledged: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("frame " + id + " not acknowledged within " + ACK_TIMEOUT_SECONDS + " s");
        }
        if (result.getError().isPresent()) {
            throw new IOException("frame " + id + ": " + result.getError().get().getMessage());
        }
        if (result instanceof Mqtt5PublishResult.Mqtt5Qos1Result qos1) {
            Mqtt5PubAckReasonCode code = qos1.getPubAck().getReasonCode();
            if (code == Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID || code == Mqtt5PubAckReasonCode.QUOTA_EXCEEDED) {
                return Delivery.refused(code
                        + qos1.getPubAck()
                                .getReasonString()
                                .map(reason -> ": " + reason)
                                .orElse(""));
            }
            if (code.isError()) {
                throw new IOException("frame " + id + ": PUBACK " + code
                        + qos1.getPubAck()
                                .getReasonString()
                                .map(reason -> " (" + reason + ")")
                                .orElse(""));
            }
        }
        return Delivery.ACCEPTED;
    }

    @Override
    public boolean connected() {
        return client.getState().isConnected();
    }

    @Override
    public String target() {
        return target;
    }

    private static TrustManagerFactory trustOnly(KeyStore store) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("sync.uplink.tls.ca-file: " + e.getMessage(), e);
        }
    }
}
