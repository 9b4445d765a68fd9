package io.edgeward.mqtt.internal.device;

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
import io.edgeward.core.shadow.ShadowDocuments;
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
public final class MqttDeviceChannel implements CommandTransport, ShadowListener, DeviceRequestHandler.Replies {

    private static final Logger LOG = LoggerFactory.getLogger(MqttDeviceChannel.class);

    @Override
    public CompletableFuture<Boolean> send(DeviceId device, byte[] document) {
        try {
            // A device's client id is its device id (enforced at CONNECT).
            return Services.publishService()
                    .publishToClient(publish(DeviceTopics.command(device), document), device.value())
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
        publish(DeviceTopics.shadow(device, "update", "documents"), ShadowDocuments.documents(update));
        if (update.deltaChanged()) {
            delta(update.current(), update.clientToken());
        }
    }

    /** The delta, as AWS IoT sends it on {@code update/delta}. */
    @Override
    public void delta(Shadow shadow, String clientToken) {
        publish(DeviceTopics.shadow(shadow.device(), "update", "delta"), ShadowDocuments.delta(shadow, clientToken));
    }

    @Override
    public void accepted(DeviceId device, String operation, ObjectNode body) {
        publish(DeviceTopics.shadow(device, operation, "accepted"), body);
    }

    @Override
    public void rejected(DeviceId device, String operation, ShadowException refusal, String clientToken) {
        publish(
                DeviceTopics.shadow(device, operation, "rejected"),
                ShadowDocuments.error(refusal, clientToken, System.currentTimeMillis()));
    }

    @Override
    public CompletableFuture<Void> otaChunk(DeviceId device, long index, byte[] data) {
        Publish chunk = Builders.publish()
                .topic(DeviceTopics.otaChunk(device, index))
                .qos(Qos.AT_LEAST_ONCE)
                .contentType("application/octet-stream")
                .payload(ByteBuffer.wrap(data))
                .build();
        return Services.publishService().publishToClient(chunk, device.value()).thenApply(result -> null);
    }

    private static void publish(String topic, ObjectNode body) {
        try {
            Services.publishService()
                    .publish(publish(topic, body.toString().getBytes(StandardCharsets.UTF_8)))
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
