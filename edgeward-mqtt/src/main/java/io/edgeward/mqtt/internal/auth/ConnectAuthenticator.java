package io.edgeward.mqtt.internal.auth;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import io.edgeward.core.device.Credential;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.FailedAuthentications;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.mqtt.MqttUser;
import io.edgeward.mqtt.internal.MqttMetrics;
import java.net.InetAddress;
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
 * Decides who a CONNECT is. Configured users and devices are both checked in memory (devices
 * against the registry's credential index), on a virtual thread, so the broker's threads never wait.
 * Unknown device and wrong secret get the same answer, so the CONNACK does not reveal which device
 * ids exist.
 *
 * <p>Refusals are counted and logged at most once a minute per reason and client, 100 lines a
 * minute in all, with the client id cut short: a stranger sending CONNECTs with unique 60,000-character
 * client ids fills neither the heap nor the disk.
 *
 * <p>Repeated failures from one address or against one identity (see {@link FailedAuthentications})
 * are answered at once with MQTT 5's 0x9F "connection rate exceeded" and the time to wait, and
 * cost nothing more; the right secret is always admitted. They are not answered late: HiveMQ runs
 * one client id's extension tasks strictly in order, so a refusal held back would hold back every
 * later CONNECT with that client id, and an attacker flooding wrong passwords with a device's id
 * would lock that device out (measured: 23 CONNECTs handled in 60 s, the device's own among the waiting).
 */
public final class ConnectAuthenticator implements SimpleAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectAuthenticator.class);
    /** Longest client id shown in a log line. */
    private static final int LOGGED_ID = 64;
    /** Authentication held by HiveMQ at most this long; the decision is made well within it. */
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(30);

    private final DeviceRegistry registry;
    private final Map<String, MqttUser> users;
    private final boolean allowAnonymous;
    private final Principals principals;
    private final MqttMetrics metrics;
    private final Executor blocking;
    private final FailedAuthentications failures;
    private final RateLimitedLog refusalLog = RateLimitedLog.perMinute();
    private final RateLimitedLog lateLog = RateLimitedLog.perMinute();
    private final String probeClientId;
    private final TopicPermissions topicPermissions = new TopicPermissions();

    /** @param probeClientId the readiness probe's client id: refused without counting or logging */
    public ConnectAuthenticator(
            DeviceRegistry registry,
            Map<String, MqttUser> users,
            boolean allowAnonymous,
            Principals principals,
            MqttMetrics metrics,
            Executor blocking,
            String probeClientId) {
        this.probeClientId = probeClientId;
        this.registry = registry;
        this.users = users;
        this.allowAnonymous = allowAnonymous;
        this.principals = principals;
        this.metrics = metrics;
        this.blocking = blocking;
        this.failures = new FailedAuthentications("mqtt", metrics.registry());
    }

    @Override
    public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        Async<SimpleAuthOutput> async = output.async(
                DECISION_TIMEOUT,
                TimeoutFallback.FAILURE,
                ConnackReasonCode.SERVER_UNAVAILABLE,
                "authentication timed out");
        Decision decision = new Decision(input, async);
        if (decision.clientId.equals(probeClientId) && connectFromLoopback(input)) {
            decision.settle(
                    () -> async.getOutput().failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "readiness probe"));
            return;
        }
        blocking.execute(() -> {
            try {
                decide(decision);
            } catch (RuntimeException e) {
                if (refusalLog.allow("error")) {
                    LOG.error(
                            "Authenticating MQTT client '{}' failed",
                            RateLimitedLog.printable(decision.clientId, LOGGED_ID),
                            e);
                }
                decision.refuse(
                        ConnackReasonCode.SERVER_UNAVAILABLE, "store_unavailable", "authentication unavailable");
            }
        });
    }

    private void decide(Decision decision) {
        ConnectPacket connect = decision.input.getConnectPacket();
        Optional<String> username = connect.getUserName();
        String clientId = decision.clientId;
        if (username.isEmpty()) {
            if (allowAnonymous) {
                decision.accept(new Principal.Anonymous());
            } else {
                decision.refuseAfterFailure(
                        null,
                        ConnackReasonCode.NOT_AUTHORIZED,
                        "anonymous_disabled",
                        "credentials required: connect with a device id and secret, or a configured user");
            }
            return;
        }
        String password = connect.getPassword().map(ConnectAuthenticator::utf8).orElse(null);
        MqttUser user = users.get(username.get());
        if (user != null) {
            if (password == null || !constantTimeEquals(password, user.password())) {
                decision.refuseAfterFailure(
                        username.get(),
                        ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                        "bad_credentials",
                        "bad user name or password");
            } else if (!user.admitsClientId(clientId)) {
                decision.refuse(
                        ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                        "client_id_invalid",
                        "this user's ACL uses %c: the client id must not contain '+', '#', '/' or NUL");
            } else {
                decision.accept(new Principal.User(user, clientId));
            }
            return;
        }
        Optional<Credential> device = DeviceId.isValid(username.get())
                ? registry.authenticate(DeviceId.of(username.get()), password)
                : Optional.empty();
        if (device.isEmpty()) {
            decision.refuseAfterFailure(
                    username.get(),
                    ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                    "bad_credentials",
                    "bad user name or password");
        } else if (!device.get().id().value().equals(clientId)) {
            // The client id names the session; a device using another id could take over its session.
            decision.refuse(
                    ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client_id_mismatch",
                    "a device must use its device id as MQTT client id");
        } else {
            decision.accept(new Principal.Device(device.get().id(), device.get().type()));
        }
    }

    /**
     * One CONNECT being decided. HiveMQ's output may be decided once: a decision that comes after
     * the broker timed the authentication out is counted and dropped, not attempted (which throws).
     */
    private final class Decision {
        final SimpleAuthInput input;
        final Async<SimpleAuthOutput> async;
        final String clientId;

        Decision(SimpleAuthInput input, Async<SimpleAuthOutput> async) {
            this.input = input;
            this.async = async;
            this.clientId = input.getClientInformation().getClientId();
        }

        /**
         * Admits the client. Its rights (PUBLISH, SUBSCRIBE and so its Will's) become HiveMQ default permissions,
         * which the broker evaluates itself, without a trip through the extension for every message.
         */
        void accept(Principal principal) {
            settle(() -> {
                principals.attach(input, principal);
                topicPermissions.apply(principal, async.getOutput().getDefaultPermissions());
                async.getOutput().authenticateSuccessfully();
            });
        }

        void refuseAfterFailure(String identity, ConnackReasonCode code, String reason, String message) {
            Duration penalty = failures.failed(source(), identity);
            if (penalty.isZero()) {
                refuse(code, reason, message);
            } else {
                metrics.connectRefused(reason);
                settle(() -> async.getOutput()
                        .failAuthentication(
                                ConnackReasonCode.CONNECTION_RATE_EXCEEDED,
                                "too many failed attempts: retry in " + Math.max(1, penalty.toSeconds()) + " s"));
            }
        }

        void refuse(ConnackReasonCode code, String reason, String message) {
            metrics.connectRefused(reason);
            if (refusalLog.allow(reason + ":" + clientId)) {
                LOG.warn(
                        "Refused MQTT CONNECT of client '{}' from {}: {} ({}){}",
                        RateLimitedLog.printable(clientId, LOGGED_ID),
                        source(),
                        message,
                        code,
                        refusalLog.suppressedNote());
            }
            settle(() -> async.getOutput().failAuthentication(code, message));
        }

        void settle(Runnable decision) {
            try {
                if (async.getStatus() == Async.Status.RUNNING) {
                    decision.run();
                    return;
                }
                late(null);
            } catch (UnsupportedOperationException | IllegalStateException e) {
                late(e); // the timeout struck between the check and the decision
            } finally {
                async.resume();
            }
        }

        private void late(RuntimeException e) {
            metrics.lateDecision();
            if (lateLog.allow("late")) {
                LOG.warn(
                        "MQTT authentication of client '{}' was decided after the broker's {} timeout and refused by it "
                                + "(counted in edgeward_mqtt_connect_late_decisions_total; logged once a minute): {}{}",
                        RateLimitedLog.printable(clientId, LOGGED_ID),
                        DECISION_TIMEOUT,
                        e == null ? "timed out" : e.toString(),
                        lateLog.suppressedNote());
            }
        }

        private String source() {
            Optional<InetAddress> address = input.getConnectionInformation().getInetAddress();
            return address.map(InetAddress::getHostAddress).orElse("unknown");
        }
    }

    private static boolean connectFromLoopback(SimpleAuthInput input) {
        return input.getConnectionInformation()
                .getInetAddress()
                .map(InetAddress::isLoopbackAddress)
                .orElse(false);
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
