package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.mqtt.MqttUser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who a CONNECT is. Configured users are checked in memory; devices against the registry
 * on a virtual thread (the broker's threads never wait for the database). Unknown device and wrong
 * secret get the same answer, so the CONNACK does not reveal which device ids exist.
 */
public final class ConnectAuthenticator implements SimpleAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectAuthenticator.class);
    private static final RateLimitedLog REFUSAL_LOG = RateLimitedLog.perMinute();

    private final DeviceRegistry registry;
    private final Map<String, MqttUser> users;
    private final boolean allowAnonymous;
    private final Principals principals;
    private final MqttMetrics metrics;
    private final Executor blocking;

    public ConnectAuthenticator(DeviceRegistry registry, Map<String, MqttUser> users, boolean allowAnonymous,
            Principals principals, MqttMetrics metrics, Executor blocking) {
        this.registry = registry;
        this.users = users;
        this.allowAnonymous = allowAnonymous;
        this.principals = principals;
        this.metrics = metrics;
        this.blocking = blocking;
    }

    @Override
    public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        ConnectPacket connect = input.getConnectPacket();
        Optional<String> username = connect.getUserName();
        String clientId = connect.getClientId();
        if (username.isEmpty()) {
            if (allowAnonymous) {
                accept(input, output, new Principal.Anonymous());
            } else {
                refuse(output, ConnackReasonCode.NOT_AUTHORIZED, "anonymous_disabled", clientId,
                        "credentials required: connect with a device id and secret, or a configured user");
            }
            return;
        }
        String password = connect.getPassword().map(ConnectAuthenticator::utf8).orElse(null);
        MqttUser user = users.get(username.get());
        if (user != null) {
            if (password != null && constantTimeEquals(password, user.password())) {
                accept(input, output, new Principal.User(user, clientId));
            } else {
                refuse(output, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad_credentials", clientId, "bad user name or password");
            }
            return;
        }
        if (!DeviceId.isValid(username.get())) {
            refuse(output, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad_credentials", clientId, "bad user name or password");
            return;
        }
        DeviceId id = DeviceId.of(username.get());
        Async<SimpleAuthOutput> async = output.async(Duration.ofSeconds(10), TimeoutFallback.FAILURE,
                ConnackReasonCode.SERVER_UNAVAILABLE, "authentication timed out");
        blocking.execute(() -> {
            try {
                Optional<Device> device = registry.authenticate(id, password);
                if (device.isEmpty()) {
                    refuse(output, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad_credentials", clientId, "bad user name or password");
                } else if (!id.value().equals(clientId)) {
                    // The client id names the session; a device using another id could take over its session.
                    refuse(output, ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "client_id_mismatch", clientId,
                            "a device must use its device id as MQTT client id");
                } else {
                    accept(input, output, new Principal.Device(id, device.get().type()));
                }
            } catch (RuntimeException e) {
                LOG.error("Authenticating device '{}' failed", id, e);
                refuse(output, ConnackReasonCode.SERVER_UNAVAILABLE, "store_unavailable", clientId, "authentication unavailable");
            } finally {
                async.resume();
            }
        });
    }

    /**
     * Admits the client. Its rights (PUBLISH, SUBSCRIBE and so its Will's) become HiveMQ default permissions,
     * which the broker evaluates itself, without a trip through the extension for every message.
     */
    private void accept(SimpleAuthInput input, SimpleAuthOutput output, Principal principal) {
        principals.attach(input, principal);
        TopicPermissions.apply(principal, output.getDefaultPermissions());
        output.authenticateSuccessfully();
    }

    private void refuse(SimpleAuthOutput output, ConnackReasonCode code, String reason, String clientId, String message) {
        metrics.connectRefused(reason);
        if (REFUSAL_LOG.allow("connect:" + clientId)) {
            LOG.warn("Refused MQTT CONNECT of client '{}': {} ({})", clientId, message, code);
        }
        output.failAuthentication(code, message);
    }

    private static String utf8(ByteBuffer buffer) {
        ByteBuffer copy = buffer.asReadOnlyBuffer();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
