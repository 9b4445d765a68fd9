package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import io.edgeward.core.observability.RateLimitedLog;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each connection's {@link Principal} to its PUBLISHes (including its Will) and
 * SUBSCRIBEs. MQTT 5 clients get NOT_AUTHORIZED (0x87) in the PUBACK/SUBACK; MQTT 3.1.1 has no
 * PUBACK reason code, so the broker closes the connection, as the 3.1.1 specification asks.
 */
public final class TopicAuthorizer implements PublishAuthorizer, SubscriptionAuthorizer {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAuthorizer.class);
    private static final RateLimitedLog DENIAL_LOG = RateLimitedLog.perMinute();

    private final Principals principals;
    private final MqttMetrics metrics;

    public TopicAuthorizer(Principals principals, MqttMetrics metrics) {
        this.principals = principals;
        this.metrics = metrics;
    }

    @Override
    public void authorizePublish(PublishAuthorizerInput input, PublishAuthorizerOutput output) {
        String topic = input.getPublishPacket().getTopic();
        Optional<Principal> principal = principals.of(input);
        if (principal.isPresent() && principal.get().mayPublish(topic)) {
            output.authorizeSuccessfully();
            return;
        }
        metrics.denied("publish");
        log(input.getClientInformation().getClientId(), "publish to", topic);
        output.failAuthorization(AckReasonCode.NOT_AUTHORIZED, "not authorized to publish to '" + topic + "'");
    }

    @Override
    public void authorizeSubscribe(SubscriptionAuthorizerInput input, SubscriptionAuthorizerOutput output) {
        String filter = input.getSubscription().getTopicFilter();
        Optional<Principal> principal = principals.of(input);
        if (principal.isPresent() && principal.get().maySubscribe(filter)) {
            output.authorizeSuccessfully();
            return;
        }
        metrics.denied("subscribe");
        log(input.getClientInformation().getClientId(), "subscribe to", filter);
        output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authorized to subscribe to '" + filter + "'");
    }

    private static void log(String clientId, String action, String topic) {
        if (DENIAL_LOG.allow("acl:" + clientId)) {
            LOG.warn("Refused client '{}' to {} '{}' (outside its ACL; further refusals for a minute are only counted)",
                    clientId, action, topic);
        }
    }
}
