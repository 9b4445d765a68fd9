package io.edgeward.mqtt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.edgeward.core.command.CommandResponseException;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's shadow and command traffic: shadow get/update requests and command responses
 * coming in, and, on a device's own connection, the acknowledgement of commands going out and the
 * moment it subscribes to its command topic.
 *
 * <p>Requests are handled off the broker's threads, a device's in the order it sent them, and
 * its acknowledgement leaves after the change is stored.
 */
final class DeviceRequests implements PublishOutboundInterceptor, PubackInboundInterceptor, SubscribeInboundInterceptor,
        SubackOutboundInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRequests.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HOLD_LIMIT = Duration.ofMinutes(1);

    private final DeviceId self;
    private final boolean mqtt5;
    private final ShadowService shadows;
    private final CommandService commands;
    private final MqttDeviceChannel channel;
    private final Executor blocking;
    /** Commands in flight to this device, by packet id, until its PUBACK. */
    private final Map<Integer, String> commandsInFlight = new ConcurrentHashMap<>();
    private final TelemetryInterceptor acknowledgements;
    /** The last shadow request of this connection; the next one runs after it. Only the broker's inbound thread for this client writes it. */
    private CompletableFuture<Void> shadowRequests = CompletableFuture.completedFuture(null);
    /** SUBSCRIBE packets that asked for the command topic, until their SUBACK. */
    private final Set<Integer> commandSubscriptions = ConcurrentHashMap.newKeySet();

    /** @param self the device behind this connection; null for users and anonymous clients */
    DeviceRequests(DeviceId self, boolean mqtt5, ShadowService shadows, CommandService commands, MqttDeviceChannel channel,
            Executor blocking, TelemetryInterceptor acknowledgements) {
        this.acknowledgements = acknowledgements;
        this.self = self;
        this.mqtt5 = mqtt5;
        this.shadows = shadows;
        this.commands = commands;
        this.channel = channel;
        this.blocking = blocking;
    }

    /**
     * Handles a request the ACL already allowed. Shadow requests run in arrival order off the
     * broker's threads while the PUBLISH goes on; a QoS 1/2 update's acknowledgement waits until
     * the update is stored (or refused on {@code .../rejected}). A command response holds its
     * PUBLISH instead, because a refusal must travel in its acknowledgement's reason code.
     */
    void handle(DeviceTopics request, PublishPacket packet, byte[] payload, PublishInboundOutput output) {
        if (request.kind() != DeviceTopics.Kind.COMMAND_RESPONSE) {
            Runnable work = request.kind() == DeviceTopics.Kind.SHADOW_GET
                    ? () -> get(request.device(), payload) : () -> update(request.device(), payload);
            // Chained on the previous request, whatever its outcome, so that a device's requests apply in order.
            CompletableFuture<Void> done = shadowRequests.handle((ignored, error) -> null).thenRunAsync(work, blocking);
            shadowRequests = done;
            if (packet.getQos() != Qos.AT_MOST_ONCE) {
                acknowledgements.holdAcknowledgement(packet.getPacketId(), done);
            }
            return;
        }
        Async<PublishInboundOutput> async = output.async(HOLD_LIMIT, TimeoutFallback.FAILURE);
        CompletableFuture.runAsync(() -> respond(request.device(), payload, output), blocking)
                .orTimeout(HOLD_LIMIT.toSeconds() - 5, TimeUnit.SECONDS).whenComplete((done, error) -> {
            if (error != null) {
                LOG.warn("A command response from '{}' failed: {}", request.device(), error.toString());
                output.preventPublishDelivery(AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "the request could not be processed");
            }
            async.resume();
        });
    }

    private void get(DeviceId device, byte[] payload) {
        String clientToken = ShadowService.clientTokenOf(payload);
        try {
            Shadow shadow = shadows.get(device);
            ObjectNode document = shadow.document();
            if (clientToken != null) {
                document.put("clientToken", clientToken);
            }
            channel.accepted(device, "get", document);
            // A device asking after being away gets the delta it missed on the delta topic too.
            if (!shadow.delta().isEmpty()) {
                channel.publishDelta(shadow, clientToken);
            }
        } catch (ShadowException e) {
            channel.rejected(device, "get", e, clientToken);
        }
    }

    private void update(DeviceId device, byte[] payload) {
        try {
            shadows.update(device, payload, ChangedBy.DEVICE); // accepted, documents and delta go out via the listener
        } catch (ShadowException e) {
            channel.rejected(device, "update", e, ShadowService.clientTokenOf(payload));
        }
    }

    private void respond(DeviceId device, byte[] payload, PublishInboundOutput output) {
        try {
            commands.respond(device, payload);
        } catch (CommandResponseException e) {
            if (mqtt5) {
                output.preventPublishDelivery(e.reason() == CommandResponseException.Reason.MALFORMED
                        ? AckReasonCode.PAYLOAD_FORMAT_INVALID : AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, e.getMessage());
            } else {
                output.preventPublishDelivery();
            }
        }
    }

    @Override
    public void onOutboundPublish(PublishOutboundInput input, PublishOutboundOutput output) {
        var packet = input.getPublishPacket();
        if (self == null || packet.getQos().getQosNumber() == 0 || !packet.getTopic().equals(DeviceTopics.command(self))) {
            return;
        }
        packet.getPayload().ifPresent(buffer -> {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.asReadOnlyBuffer().get(bytes);
            try {
                JsonNode id = JSON.readTree(bytes).get("command_id");
                if (id != null && id.isTextual()) {
                    commandsInFlight.put(packet.getPacketId(), id.asText());
                }
            } catch (IOException | RuntimeException e) {
                // Not one of ours (a user with publish rights on this topic): nothing to correlate.
            }
        });
    }

    @Override
    public void onInboundPuback(PubackInboundInput input, PubackInboundOutput output) {
        String commandId = commandsInFlight.remove(input.getPubackPacket().getPacketIdentifier());
        if (commandId != null) {
            blocking.execute(() -> commands.delivered(self, commandId));
        }
    }

    @Override
    public void onInboundSubscribe(SubscribeInboundInput input, SubscribeInboundOutput output) {
        if (self == null) {
            return;
        }
        String topic = DeviceTopics.command(self);
        for (Subscription subscription : input.getSubscribePacket().getSubscriptions()) {
            if (Topics.covers(Topics.unshared(subscription.getTopicFilter()), topic)) {
                commandSubscriptions.add(input.getSubscribePacket().getPacketId());
                return;
            }
        }
    }

    private static boolean granted(SubackReasonCode code) {
        return code == SubackReasonCode.GRANTED_QOS_0 || code == SubackReasonCode.GRANTED_QOS_1 || code == SubackReasonCode.GRANTED_QOS_2;
    }

    @Override
    public void onOutboundSuback(SubackOutboundInput input, SubackOutboundOutput output) {
        var suback = input.getSubackPacket();
        if (commandSubscriptions.remove(suback.getPacketIdentifier())
                && suback.getReasonCodes().stream().anyMatch(DeviceRequests::granted)) {
            // The subscription is in place once its SUBACK goes out: commands that waited can go now.
            commands.deviceReady(self);
        }
    }
}
