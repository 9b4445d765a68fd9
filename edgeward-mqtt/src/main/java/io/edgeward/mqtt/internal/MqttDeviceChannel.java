package io.edgeward.mqtt.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.PayloadFormatIndicator;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.publish.Publish;
import com.hivemq.extension.sdk.api.services.publish.PublishToClientResult;
import io.edgeward.core.command.CommandTransport;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowListener;
import io.edgeward.core.shadow.ShadowUpdate;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the platform publishes to devices: commands (to the device's own session only) and the
 * shadow's accepted, rejected, delta and documents messages. All at QoS 1, so that a device with
 * a persistent session receives what was published while it was away.
 */
public final class MqttDeviceChannel implements CommandTransport, ShadowListener {

    private static final Logger LOG = LoggerFactory.getLogger(MqttDeviceChannel.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Override
    public CompletableFuture<Boolean> send(DeviceId device, byte[] document) {
        try {
            // A device's client id is its device id (enforced at CONNECT).
            return Services.publishService().publishToClient(publish(DeviceTopics.command(device), document), device.value())
                    .thenApply(result -> result == PublishToClientResult.SUCCESSFUL);
        } catch (RuntimeException e) {
            // The broker is not running (start-up or shutdown): the command stays queued.
            return CompletableFuture.completedFuture(false);
        }
    }

    @Override
    public void updated(ShadowUpdate update) {
        DeviceId device = update.current().device();
        publish(DeviceTopics.shadow(device, "update", "accepted"), update.accepted());
        ObjectNode documents = NODES.objectNode();
        documents.set("previous", stored(update.previous()));
        documents.set("current", stored(update.current()));
        documents.put("timestamp", update.current().timestamp());
        if (update.clientToken() != null) {
            documents.put("clientToken", update.clientToken());
        }
        publish(DeviceTopics.shadow(device, "update", "documents"), documents);
        if (update.deltaChanged()) {
            publishDelta(update.current(), update.clientToken());
        }
    }

    /** The delta, as AWS IoT sends it on {@code update/delta}. */
    void publishDelta(Shadow shadow, String clientToken) {
        publish(DeviceTopics.shadow(shadow.device(), "update", "delta"), shadow.deltaDocument(clientToken));
    }

    void accepted(DeviceId device, String operation, ObjectNode body) {
        publish(DeviceTopics.shadow(device, operation, "accepted"), body);
    }

    void rejected(DeviceId device, String operation, ShadowException refusal, String clientToken) {
        ObjectNode body = NODES.objectNode();
        body.put("code", refusal.code());
        body.put("message", refusal.getMessage());
        body.put("timestamp", System.currentTimeMillis() / 1000);
        if (refusal.currentVersion() >= 0) {
            body.put("version", refusal.currentVersion());
        }
        if (clientToken != null) {
            body.put("clientToken", clientToken);
        }
        publish(DeviceTopics.shadow(device, operation, "rejected"), body);
    }

    /** {@code {"state":{desired,reported},"metadata":…,"version":N}}, the form of documents' previous and current. */
    private static ObjectNode stored(Shadow shadow) {
        ObjectNode node = NODES.objectNode();
        node.set("state", shadow.state());
        node.set("metadata", shadow.metadata());
        node.put("version", shadow.version());
        return node;
    }

    private static void publish(String topic, ObjectNode body) {
        try {
            Services.publishService().publish(publish(topic, body.toString().getBytes(StandardCharsets.UTF_8)))
                    .exceptionally(e -> {
                        LOG.debug("Publish to {} failed: {}", topic, e.toString());
                        return null;
                    });
        } catch (RuntimeException e) {
            LOG.debug("Publish to {} skipped, the broker is not running: {}", topic, e.toString());
        }
    }

    private static Publish publish(String topic, byte[] payload) {
        return Builders.publish()
                .topic(topic)
                .qos(Qos.AT_LEAST_ONCE)
                .payloadFormatIndicator(PayloadFormatIndicator.UTF_8)
                .contentType("application/json")
                .payload(ByteBuffer.wrap(payload))
                .build();
    }
}
