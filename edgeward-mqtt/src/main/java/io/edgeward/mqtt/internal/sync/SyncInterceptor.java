package io.edgeward.mqtt.internal.sync;

import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.sync.SyncCodec;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.mqtt.internal.acknowledgement.ConnectionAcknowledgements;
import io.edgeward.mqtt.internal.auth.Principal;
import io.edgeward.mqtt.internal.telemetry.TelemetryInterceptor;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames an edge publishes on {@code edge/{id}/sync/{stream}} (QoS 1), for one connection: the
 * PUBACK is held until the receiver has stored the frame, so the edge removes its outbox rows only
 * then. Only a gateway device may publish its own edge's frames. A frame that cannot be read is
 * refused with 0x99 (the edge parks it); a store failure closes the connection before any
 * acknowledgement leaves, and the edge resends.
 */
public final class SyncInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(SyncInterceptor.class);

    private final Principal principal;
    private final boolean mqtt5;
    private final Optional<SyncReceiver> receiver;
    private final ConnectionAcknowledgements acknowledgements;
    /** Shared by every connection: one log line per client a minute. */
    private final RateLimitedLog refusals;

    public SyncInterceptor(
            Principal principal,
            boolean mqtt5,
            Optional<SyncReceiver> receiver,
            ConnectionAcknowledgements acknowledgements,
            RateLimitedLog refusals) {
        this.refusals = refusals;
        this.principal = principal;
        this.mqtt5 = mqtt5;
        this.receiver = receiver;
        this.acknowledgements = acknowledgements;
    }

    /** Handles a PUBLISH on a sync topic; the router has checked the ACL. */
    public void onFrame(SyncTopic topic, PublishPacket packet, PublishInboundOutput output) {
        if (receiver.isEmpty()) {
            refuse(output, AckReasonCode.TOPIC_NAME_INVALID, "this node does not receive edges (sync.role)");
            return;
        }
        if (!(principal instanceof Principal.Device device)
                || device.type() != DeviceType.GATEWAY
                || !device.id().value().equals(topic.edge())) {
            refuse(output, AckReasonCode.NOT_AUTHORIZED, "only the edge's own gateway device may send its frames");
            return;
        }
        if (packet.getQos() == Qos.AT_MOST_ONCE) {
            refuse(output, AckReasonCode.PAYLOAD_FORMAT_INVALID, "sync frames need QoS 1");
            return;
        }
        try {
            var stored = receiver.get().receive(topic.edge(), TelemetryInterceptor.bytes(packet.getPayload()));
            // Frames are not for other subscribers: only their acknowledgement matters.
            output.preventPublishDelivery();
            acknowledgements.hold(packet.getPacketId(), stored);
        } catch (SyncCodec.MalformedFrameException e) {
            refuse(output, AckReasonCode.PAYLOAD_FORMAT_INVALID, e.getMessage());
        }
    }

    private void refuse(PublishInboundOutput output, AckReasonCode code, String reason) {
        if (refusals.allow(principal.toString())) {
            LOG.warn("Refused a sync frame from {}: {} (not logged again for a minute)", principal, reason);
        }
        if (mqtt5) {
            output.preventPublishDelivery(code, reason.length() > 240 ? reason.substring(0, 237) + "..." : reason);
        } else {
            output.preventPublishDelivery();
        }
    }
}
