package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import io.edgeward.core.observability.RateLimitedLog;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each connection's {@link Principal} to its SUBSCRIBEs (SUBACK 0x87 when refused).
 * PUBLISHes are refused in {@link TelemetryInterceptor} with PUBACK 0x87 (MQTT 5) without closing
 * the connection, and, behind it, by the broker's default permissions set at CONNECT
 * ({@link PublishPermissions}), which also cover the Will.
 */
public final class TopicAuthorizer implements SubscriptionAuthorizer {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAuthorizer.class);
    private static final RateLimitedLog DENIAL_LOG = RateLimitedLog.perMinute();

    private final Principals principals;
    private final MqttMetrics metrics;

    public TopicAuthorizer(Principals principals, MqttMetrics metrics) {
        this.principals = principals;
        this.metrics = metrics;
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
        logDenial(input.getClientInformation().getClientId(), "subscribe to", filter);
        output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authorized to subscribe to '" + filter + "'");
    }

    static void logDenial(String clientId, String action, String topic) {
        if (DENIAL_LOG.allow("acl:" + clientId)) {
            LOG.warn("Refused client '{}' to {} '{}' (outside its ACL; further refusals for a minute are only counted)",
                    clientId, action, topic);
        }
    }
}
