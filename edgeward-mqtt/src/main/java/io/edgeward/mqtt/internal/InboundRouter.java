package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import io.edgeward.core.device.Presence;
import io.edgeward.mqtt.internal.auth.AclDenials;
import io.edgeward.mqtt.internal.auth.Principal;
import io.edgeward.mqtt.internal.device.DeviceRequests;
import io.edgeward.mqtt.internal.device.DeviceTopics;
import io.edgeward.mqtt.internal.sync.SyncInterceptor;
import io.edgeward.mqtt.internal.sync.SyncTopic;
import io.edgeward.mqtt.internal.telemetry.TelemetryInterceptor;
import io.edgeward.mqtt.internal.telemetry.TelemetryTopic;

/**
 * Every PUBLISH from one connection: the publish ACL first, then telemetry to the ingest path,
 * shadow requests and command responses to their handlers, anything else through as a general
 * broker would.
 *
 * <p>The ACL is applied here, not only in the authorizer: HiveMQ runs inbound interceptors first
 * (a device could otherwise get points stored under another device's id), and its authorizer's
 * DISCONNECT races the PUBACK once acknowledgements are intercepted.
 */
final class InboundRouter implements PublishInboundInterceptor {

    private final Principal principal;
    private final boolean mqtt5;
    private final MqttMetrics metrics;
    private final Presence presence;
    private final TelemetryInterceptor telemetry;
    private final DeviceRequests requests;
    private final SyncInterceptor sync;
    private final AclDenials denials;

    InboundRouter(
            Principal principal,
            boolean mqtt5,
            MqttMetrics metrics,
            Presence presence,
            TelemetryInterceptor telemetry,
            DeviceRequests requests,
            SyncInterceptor sync,
            AclDenials denials) {
        this.principal = principal;
        this.mqtt5 = mqtt5;
        this.metrics = metrics;
        this.presence = presence;
        this.telemetry = telemetry;
        this.requests = requests;
        this.sync = sync;
        this.denials = denials;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        metrics.received.increment();
        PublishPacket packet = input.getPublishPacket();
        if (!principal.mayPublish(packet.getTopic())) {
            denials.denied("publish", packet.getTopic());
            if (mqtt5) {
                output.preventPublishDelivery(
                        AckReasonCode.NOT_AUTHORIZED, "not authorized to publish to '" + packet.getTopic() + "'");
            } else {
                output.preventPublishDelivery();
            }
            return;
        }
        TelemetryTopic telemetryTopic = TelemetryTopic.parse(packet.getTopic());
        if (telemetryTopic != null) {
            // last_seen moves when the telemetry is committed (the post-commit stage's last-seen consumer).
            telemetry.onTelemetry(telemetryTopic, packet, output);
            return;
        }
        if (principal instanceof Principal.Device device) {
            presence.seen(device.id());
        }
        SyncTopic syncTopic = SyncTopic.parse(packet.getTopic());
        if (syncTopic != null) {
            sync.onFrame(syncTopic, packet, output);
            return;
        }
        DeviceTopics request = DeviceTopics.parse(packet.getTopic());
        if (request != null) {
            requests.handle(request, packet, TelemetryInterceptor.bytes(packet.getPayload()), output);
        }
    }
}
