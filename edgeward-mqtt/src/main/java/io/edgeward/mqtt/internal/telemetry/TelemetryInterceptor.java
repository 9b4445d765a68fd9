package io.edgeward.mqtt.internal.telemetry;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.telemetry.Decoded;
import io.edgeward.core.telemetry.IngestResult;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.Rejection;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.mqtt.internal.MqttMetrics;
import io.edgeward.mqtt.internal.acknowledgement.ConnectionAcknowledgements;
import io.edgeward.mqtt.internal.auth.Principal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Telemetry ingest for one client connection, with the acknowledgement held until the pipeline
 * has committed the message.
 *
 * <p>The PUBLISH is decoded and queued here synchronously and let through; its PUBACK (QoS 1) or
 * PUBREC (QoS 2) waits in the connection's {@link ConnectionAcknowledgements} until the commit, so a
 * device's whole in-flight window joins the next group commit. QoS 0 has no acknowledgement to
 * hold, so its PUBLISH is held instead, which keeps a QoS 0 flood bounded by the socket.
 *
 * <p>Refusals: a message with no valid point is refused on the spot (MQTT 5: PUBACK 0x99, 0x97
 * when too large, with a reason string). A partly valid message stores its good points and is
 * then answered with the refusal code and a summary of what was stored and refused; it takes the
 * slower path of holding the PUBLISH, because HiveMQ lets an extension set an acknowledgement's
 * reason code only there. If the store cannot commit, the client is disconnected before any
 * acknowledgement leaves, so it resends from its session; under MQTT 3.1.1 an acknowledgement
 * cannot carry an error, and acknowledging would lose the data.
 */
public final class TelemetryInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryInterceptor.class);
    private static final int MAX_REASON = 240;
    /** The SDK's own timeout must never fire first: its fallback would send the acknowledgement. */
    private static final Duration HOLD_LIMIT = Duration.ofDays(1);

    private final boolean mqtt5;
    private final TelemetryPipeline pipeline;
    private final DeviceRegistry registry;
    private final MqttMetrics metrics;
    private final Executor blocking;
    private final ConnectionAcknowledgements acknowledgements;
    /**
     * Device types already looked up on this connection (for users publishing for devices). One
     * entry for a device's own connection, more for a gateway's: sized for the first (one per
     * connection, 10,000s).
     */
    private final Map<DeviceId, DeviceType> knownDevices = new ConcurrentHashMap<>(2);

    public TelemetryInterceptor(
            Principal principal,
            boolean mqtt5,
            TelemetryPipeline pipeline,
            DeviceRegistry registry,
            MqttMetrics metrics,
            Executor blocking,
            ConnectionAcknowledgements acknowledgements) {
        this.acknowledgements = acknowledgements;
        this.mqtt5 = mqtt5;
        this.pipeline = pipeline;
        this.registry = registry;
        this.metrics = metrics;
        this.blocking = blocking;
        if (principal instanceof Principal.Device device) {
            knownDevices.put(device.id(), device.type());
        }
    }

    /** Ingests a PUBLISH on a telemetry topic; the router has checked the ACL. */
    public void onTelemetry(TelemetryTopic topic, PublishPacket packet, PublishInboundOutput output) {
        long arrivalMillis = System.currentTimeMillis();
        long arrivalNanos = System.nanoTime();
        PayloadFormat format = topic.protobuf()
                        || packet.getContentType()
                                .map(TelemetryTopic::isProtobufContentType)
                                .orElse(false)
                ? PayloadFormat.PROTOBUF
                : PayloadFormat.JSON;
        byte[] payload = bytes(packet.getPayload());
        DeviceType type = knownDevices.get(topic.device());
        if (type == null) {
            // A configured user publishing for a device (a gateway or bridge): look the device up once.
            Async<PublishInboundOutput> async = output.async(HOLD_LIMIT, TimeoutFallback.FAILURE);
            CompletableFuture.supplyAsync(() -> registry.find(topic.device()), blocking)
                    .thenCompose(device -> submitFor(device, topic, payload, format, arrivalMillis, arrivalNanos))
                    .orTimeout(acknowledgements.storeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((result, error) -> finish(result, error, output, async::resume));
            return;
        }
        TelemetryMessage message =
                new TelemetryMessage(topic.device(), type, payload, format, arrivalMillis, arrivalNanos);
        Decoded decoded = pipeline.decode(message);
        if (decoded.points().isEmpty()) {
            refuse(output, new IngestResult(0, decoded.rejections()));
            return;
        }
        CompletableFuture<IngestResult> stored = pipeline.store(message, decoded);
        if (packet.getQos() == Qos.AT_MOST_ONCE || !decoded.rejections().isEmpty()) {
            // QoS 0 has no acknowledgement to hold; a partly valid message must be answered with an
            // error code, which HiveMQ only allows on the PUBLISH, not by changing a successful PUBACK.
            // The pipeline fails the future itself after its commit timeout (a timer per message here
            // cost a lock round trip on the JDK's shared delay queue).
            Async<PublishInboundOutput> async = output.async(HOLD_LIMIT, TimeoutFallback.FAILURE);
            stored.whenComplete((result, error) -> finish(result, error, output, async::resume));
            return;
        }
        acknowledgements.holdUntilStored(packet.getPacketId(), stored);
    }

    private void finish(IngestResult result, Throwable error, PublishInboundOutput output, Runnable resume) {
        if (error != null) {
            output.preventPublishDelivery(AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "telemetry could not be stored");
            acknowledgements.notStored(error, resume);
            return;
        }
        if (result.stored() == 0) {
            refuse(output, result);
        } else if (!result.fullyAccepted() && mqtt5) {
            output.preventPublishDelivery(reasonCode(result.primaryReason()), abbreviate(result.summary()));
        }
        resume.run();
    }

    private void refuse(PublishInboundOutput output, IngestResult result) {
        if (mqtt5) {
            output.preventPublishDelivery(reasonCode(result.primaryReason()), abbreviate(result.summary()));
        } else {
            // MQTT 3.1.1 cannot say "refused" in a PUBACK, and HiveMQ closes the connection on an
            // error code; the device would reconnect and resend the same bad message forever.
            // So: acknowledge, do not store or deliver, count and log (done by the pipeline).
            output.preventPublishDelivery();
        }
    }

    private CompletableFuture<IngestResult> submitFor(
            Optional<Device> device,
            TelemetryTopic topic,
            byte[] payload,
            PayloadFormat format,
            long arrivalMillis,
            long arrivalNanos) {
        if (device.isEmpty()) {
            List<Rejection> rejections = List.of(
                    new Rejection(RejectReason.UNKNOWN_DEVICE, "device '" + topic.device() + "' is not registered"));
            pipeline.refused(topic.device(), rejections);
            return CompletableFuture.completedFuture(new IngestResult(0, rejections));
        }
        knownDevices.put(topic.device(), device.get().type());
        return pipeline.submit(new TelemetryMessage(
                topic.device(), device.get().type(), payload, format, arrivalMillis, arrivalNanos));
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

    public static byte[] bytes(Optional<ByteBuffer> payload) {
        if (payload.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer buffer = payload.get().asReadOnlyBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
