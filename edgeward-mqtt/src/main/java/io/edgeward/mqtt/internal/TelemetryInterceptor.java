package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.telemetry.IngestResult;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.Rejection;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.TelemetryPipeline;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands authorised telemetry PUBLISHes to the pipeline and holds each one (and so its PUBACK/PUBREC) until
 * the pipeline has committed it. Refused payloads get PAYLOAD_FORMAT_INVALID (0x99) or, when too
 * large, QUOTA_EXCEEDED (0x97) with a reason string. If the store cannot commit, the client is
 * disconnected before any acknowledgement leaves, so it resends from its session: under MQTT
 * 3.1.1 an acknowledgement cannot carry an error, and acknowledging would lose the data.
 */
final class TelemetryInterceptor implements PublishInboundInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryInterceptor.class);
    private static final int MAX_REASON = 240;

    private final Principal principal;
    private final String clientId;
    private final boolean mqtt5;
    private final TelemetryPipeline pipeline;
    private final DeviceRegistry registry;
    private final ClientService clients;
    private final MqttMetrics metrics;
    private final Duration storeTimeout;
    private final Executor blocking;

    TelemetryInterceptor(Principal principal, String clientId, boolean mqtt5, TelemetryPipeline pipeline, DeviceRegistry registry,
            ClientService clients, MqttMetrics metrics, Duration storeTimeout, Executor blocking) {
        this.principal = principal;
        this.clientId = clientId;
        this.mqtt5 = mqtt5;
        this.pipeline = pipeline;
        this.registry = registry;
        this.clients = clients;
        this.metrics = metrics;
        this.storeTimeout = storeTimeout;
        this.blocking = blocking;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        metrics.received.increment();
        PublishPacket packet = input.getPublishPacket();
        TelemetryTopic topic = TelemetryTopic.parse(packet.getTopic());
        // HiveMQ runs inbound interceptors before the authorizer: without this check a device could
        // get points stored under another device's id just before its PUBLISH is refused.
        if (topic == null || !principal.mayPublish(packet.getTopic())) {
            return;
        }
        long arrivalMillis = System.currentTimeMillis();
        long arrivalNanos = System.nanoTime();
        boolean protobuf = topic.protobuf()
                || packet.getContentType().map(TelemetryTopic::isProtobufContentType).orElse(false);
        byte[] payload = bytes(packet.getPayload());
        Async<PublishInboundOutput> async = output.async(storeTimeout, TimeoutFallback.FAILURE,
                AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "telemetry was not stored in time");

        CompletableFuture<IngestResult> stored;
        if (principal instanceof Principal.Device device && device.id().equals(topic.device())) {
            stored = pipeline.submit(message(topic, device.type(), payload, protobuf, arrivalMillis, arrivalNanos));
        } else {
            // A configured user publishing for a device (a gateway or bridge): the device must exist.
            stored = CompletableFuture.supplyAsync(() -> registry.find(topic.device()), blocking)
                    .thenCompose(found -> submitFor(found, topic, payload, protobuf, arrivalMillis, arrivalNanos));
        }
        stored.whenComplete((result, error) -> {
            if (error != null) {
                notStored(output, async, error);
                return;
            }
            if (!result.fullyAccepted()) {
                if (mqtt5) {
                    output.preventPublishDelivery(reasonCode(result.primaryReason()), abbreviate(result.summary()));
                } else {
                    // MQTT 3.1.1 cannot say "refused" in a PUBACK, and HiveMQ closes the connection on an
                    // error code; the device would reconnect and resend the same bad message forever.
                    // So: acknowledge, do not store or deliver, count and log (done by the pipeline).
                    output.preventPublishDelivery();
                }
            }
            async.resume();
        });
    }

    private CompletableFuture<IngestResult> submitFor(Optional<Device> device, TelemetryTopic topic, byte[] payload,
            boolean protobuf, long arrivalMillis, long arrivalNanos) {
        if (device.isEmpty()) {
            List<Rejection> rejections = List.of(new Rejection(RejectReason.UNKNOWN_DEVICE,
                    "device '" + topic.device() + "' is not registered"));
            pipeline.refused(topic.device(), rejections);
            return CompletableFuture.completedFuture(new IngestResult(0, rejections));
        }
        return pipeline.submit(message(topic, device.get().type(), payload, protobuf, arrivalMillis, arrivalNanos));
    }

    private static TelemetryMessage message(TelemetryTopic topic, DeviceType type, byte[] payload, boolean protobuf,
            long arrivalMillis, long arrivalNanos) {
        return new TelemetryMessage(topic.device(), type, payload, protobuf ? PayloadFormat.PROTOBUF : PayloadFormat.JSON,
                arrivalMillis, arrivalNanos);
    }

    private void notStored(PublishInboundOutput output, Async<PublishInboundOutput> async, Throwable error) {
        LOG.warn("Telemetry from client '{}' was not stored ({}); disconnecting it so that it resends", clientId,
                error.getMessage());
        output.preventPublishDelivery(AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "telemetry could not be stored");
        clients.disconnectClient(clientId, false, DisconnectReasonCode.UNSPECIFIED_ERROR,
                        "telemetry could not be stored; reconnect and resend")
                .whenComplete((done, failure) -> async.resume());
    }

    static AckReasonCode reasonCode(RejectReason reason) {
        return switch (reason) {
            case TOO_LARGE -> AckReasonCode.QUOTA_EXCEEDED;
            case UNKNOWN_DEVICE -> AckReasonCode.TOPIC_NAME_INVALID;
            default -> AckReasonCode.PAYLOAD_FORMAT_INVALID;
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON - 3) + "...";
    }

    private static byte[] bytes(Optional<ByteBuffer> payload) {
        if (payload.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer buffer = payload.get().asReadOnlyBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
