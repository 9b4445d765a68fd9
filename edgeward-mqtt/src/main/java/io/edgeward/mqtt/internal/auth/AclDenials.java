package io.edgeward.mqtt.internal.auth;

import com.hivemq.extension.sdk.api.interceptor.subscribe.SubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.subscribe.parameter.SubscribeInboundInput;
import com.hivemq.extension.sdk.api.interceptor.subscribe.parameter.SubscribeInboundOutput;
import com.hivemq.extension.sdk.api.packets.subscribe.Subscription;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.mqtt.internal.MqttMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes refusals by the ACL visible: counts them and logs them, once a minute per client. The
 * broker refuses a connection's subscriptions outside its ACL itself (SUBACK 0x87, MQTT 3.1.1:
 * 0x80) from the default permissions set at CONNECT ({@link TopicPermissions}); this interceptor
 * only counts them. PUBLISHes outside the ACL are refused and counted in {@code InboundRouter}.
 */
public final class AclDenials implements SubscribeInboundInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(AclDenials.class);

    private final Principal principal;
    private final String clientId;
    private final MqttMetrics metrics;
    private final RateLimitedLog denialLog;

    /** @param denialLog shared by every connection: one line a minute per client */
    public AclDenials(Principal principal, String clientId, MqttMetrics metrics, RateLimitedLog denialLog) {
        this.denialLog = denialLog;
        this.principal = principal;
        this.clientId = clientId;
        this.metrics = metrics;
    }

    @Override
    public void onInboundSubscribe(SubscribeInboundInput input, SubscribeInboundOutput output) {
        for (Subscription subscription : input.getSubscribePacket().getSubscriptions()) {
            if (!principal.maySubscribe(subscription.getTopicFilter())) {
                denied("subscribe", subscription.getTopicFilter());
            }
        }
    }

    /** Counts and (rate-limited) logs one refused {@code activity} ("publish", "subscribe") of this client. */
    public void denied(String activity, String topic) {
        metrics.denied(activity);
        if (denialLog.allow("acl:" + clientId)) {
            LOG.warn(
                    "Refused client '{}' to {} '{}' (outside its ACL; further refusals for a minute are only counted)",
                    clientId,
                    activity + " to",
                    topic);
        }
    }
}
