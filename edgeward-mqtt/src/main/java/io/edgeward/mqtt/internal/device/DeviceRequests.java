package io.edgeward.mqtt.internal.device;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.puback.PubackInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.puback.parameter.PubackInboundInput;
import com.hivemq.extension.sdk.api.interceptor.puback.parameter.PubackInboundOutput;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundOutput;
import com.hivemq.extension.sdk.api.interceptor.suback.SubackOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.suback.parameter.SubackOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.suback.parameter.SubackOutboundOutput;
import com.hivemq.extension.sdk.api.interceptor.subscribe.SubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.subscribe.parameter.SubscribeInboundInput;
import com.hivemq.extension.sdk.api.interceptor.subscribe.parameter.SubscribeInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.packets.subscribe.Subscription;
import io.edgeward.mqtt.internal.acknowledgement.ConnectionAcknowledgements;
import io.edgeward.mqtt.internal.telemetry.TelemetryInterceptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ's side of {@link DeviceRequestHandler}: takes the packets from the broker's interceptors
 * and turns the handler's outcomes into acknowledgements (held until a shadow update is stored, or
 * carrying a command response's refusal as its reason code).
 */
public final class DeviceRequests
        implements PublishOutboundInterceptor,
                PubackInboundInterceptor,
                SubscribeInboundInterceptor,
                SubackOutboundInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRequests.class);
    private static final Duration HOLD_LIMIT = Duration.ofMinutes(1);

    private final boolean mqtt5;
    private final DeviceRequestHandler handler;
    private final ConnectionAcknowledgements acknowledgements;

    public DeviceRequests(boolean mqtt5, DeviceRequestHandler handler, ConnectionAcknowledgements acknowledgements) {
        this.mqtt5 = mqtt5;
        this.handler = handler;
        this.acknowledgements = acknowledgements;
    }

    /**
     * Handles a request the ACL already allowed. Shadow requests go on while the PUBLISH does; a
     * QoS 1/2 update's acknowledgement waits until the update is stored (or refused on
     * {@code .../rejected}). A command response, an OTA progress report or a log message holds its
     * PUBLISH instead, because a refusal must travel in its acknowledgement's reason code.
     */
    public void handle(DeviceTopics request, PublishPacket packet, byte[] payload, PublishInboundOutput output) {
        if (!request.kind().answeredInAcknowledgement()) {
            var done = handler.shadowRequest(request, payload);
            if (packet.getQos() != Qos.AT_MOST_ONCE) {
                acknowledgements.hold(packet.getPacketId(), done);
            }
            return;
        }
        Async<PublishInboundOutput> async = output.async(HOLD_LIMIT, TimeoutFallback.FAILURE);
        var handled = switch (request.kind()) {
            case COMMAND_RESPONSE -> handler.commandResponse(request.device(), payload);
            case OTA_PROGRESS -> handler.otaProgress(request.device(), payload);
            case LOG -> handler.log(request.device(), payload);
            default -> handler.otaChunkRequest(request.device(), payload);
        };
        handled.orTimeout(HOLD_LIMIT.toSeconds() - 5, TimeUnit.SECONDS).whenComplete((outcome, error) -> {
            if (error != null) {
                LOG.warn("A {} from '{}' failed: {}", request.kind(), request.device(), error.toString());
                output.preventPublishDelivery(
                        AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "the request could not be processed");
            } else if (!outcome.succeeded()) {
                refuse(output, outcome);
            }
            async.resume();
        });
    }

    private void refuse(PublishInboundOutput output, DeviceRequestHandler.Outcome outcome) {
        if (!mqtt5) {
            output.preventPublishDelivery(); // MQTT 3.1.1 acknowledgements carry no reason
            return;
        }
        AckReasonCode code = switch (outcome.reasonCode()) {
            case DeviceRequestHandler.Outcome.PAYLOAD_FORMAT_INVALID -> AckReasonCode.PAYLOAD_FORMAT_INVALID;
            case DeviceRequestHandler.Outcome.NOT_AUTHORIZED -> AckReasonCode.NOT_AUTHORIZED;
            case DeviceRequestHandler.Outcome.QUOTA_EXCEEDED -> AckReasonCode.QUOTA_EXCEEDED;
            default -> AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR;
        };
        output.preventPublishDelivery(code, outcome.reason());
    }

    @Override
    public void onOutboundPublish(PublishOutboundInput input, PublishOutboundOutput output) {
        PublishPacket packet = input.getPublishPacket();
        if (packet.getQos().getQosNumber() == 0 || !handler.isCommandTopic(packet.getTopic())) {
            return;
        }
        handler.commandPublished(
                packet.getTopic(), packet.getPacketId(), TelemetryInterceptor.bytes(packet.getPayload()));
    }

    @Override
    public void onInboundPuback(PubackInboundInput input, PubackInboundOutput output) {
        handler.acknowledged(input.getPubackPacket().getPacketIdentifier());
    }

    @Override
    public void onInboundSubscribe(SubscribeInboundInput input, SubscribeInboundOutput output) {
        handler.subscribing(
                input.getSubscribePacket().getPacketId(),
                input.getSubscribePacket().getSubscriptions().stream()
                        .map(Subscription::getTopicFilter)
                        .toList());
    }

    @Override
    public void onOutboundSuback(SubackOutboundInput input, SubackOutboundOutput output) {
        var suback = input.getSubackPacket();
        handler.subscribeAnswered(
                suback.getPacketIdentifier(), suback.getReasonCodes().stream().anyMatch(DeviceRequests::granted));
    }

    private static boolean granted(SubackReasonCode code) {
        return code == SubackReasonCode.GRANTED_QOS_0
                || code == SubackReasonCode.GRANTED_QOS_1
                || code == SubackReasonCode.GRANTED_QOS_2;
    }
}
