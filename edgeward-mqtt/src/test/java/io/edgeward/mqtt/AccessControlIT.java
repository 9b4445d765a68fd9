package io.edgeward.mqtt;

import static io.edgeward.mqtt.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.edgeward.core.device.Registration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may connect, and where each may publish and subscribe. Anonymous access is off here. */
class AccessControlIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create()
            .users(
                    new MqttUser(
                            "dashboard", "dash-secret", List.of("apps/%u/#"), List.of("sensor/+/telemetry", "apps/#")),
                    new MqttUser("gateway", "gw-secret", List.of("sensor/+/telemetry"), List.of()),
                    new MqttUser("inbox", "inbox-secret", List.of("apps/%c/#"), List.of("apps/%c/#")));

    static Registration alpha;
    static Registration beta;

    @BeforeAll
    static void start() {
        alpha = fx.register("alpha");
        beta = fx.register("beta");
    }

    private static int port() {
        return fx.broker.port();
    }

    private static Mqtt5ConnAckReasonCode connect5(String clientId, String username, String password) {
        Mqtt5BlockingClient client = Clients.v5(port(), clientId);
        try {
            var connect = client.connectWith();
            if (username != null) {
                connect.simpleAuth()
                        .username(username)
                        .password(password.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth();
            }
            Mqtt5ConnAckReasonCode code = connect.send().getReasonCode();
            client.disconnect();
            return code;
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    void wrongSecret_isBadUserNameOrPassword_andCounted() {
        double before = fx.counter("edgeward.mqtt.connect.refused", "reason", "bad_credentials");
        assertThat(connect5("alpha", "alpha", "not-the-secret"))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(fx.counter("edgeward.mqtt.connect.refused", "reason", "bad_credentials") - before)
                .isEqualTo(1);
    }

    @Test
    void unknownDevice_getsTheSameAnswerAsAWrongSecret() {
        assertThat(connect5("ghost", "ghost", alpha.secret()))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void mqtt311_wrongSecret_isReturnCode4() {
        var client = Clients.v3(port(), "alpha");
        assertThatThrownBy(() -> client.connectWith()
                        .simpleAuth()
                        .username("alpha")
                        .password("nope".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .send())
                .isInstanceOfSatisfying(
                        Mqtt3ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReturnCode())
                                .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void deviceWithForeignClientId_isClientIdentifierNotValid() {
        assertThat(connect5("someone-else", "alpha", alpha.secret()))
                .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    }

    @Test
    void noCredentials_whileAnonymousIsOff_isNotAuthorized() {
        assertThat(connect5("anon", null, null)).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    }

    @Test
    void configuredUser_wrongPassword_isRefused_rightPasswordAccepted() {
        assertThat(connect5("dash-1", "dashboard", "wrong"))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(connect5("dash-1", "dashboard", "dash-secret")).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    }

    @Test
    void device_publishingOutsideItsTopics_isNotAuthorized_counted_andNotStored() {
        Mqtt5BlockingClient client = Clients.device5(port(), "alpha", alpha.secret());
        double before = fx.counter("edgeward.mqtt.acl.denied", "action", "publish");
        assertThat(publish(client, "sensor/beta/telemetry", """
                {"values":{"spoofed":1}}""")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(publish(client, "elsewhere/topic", "x")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(fx.counter("edgeward.mqtt.acl.denied", "action", "publish") - before)
                .isEqualTo(2);
        assertThat(fx.points("beta", "spoofed")).isEmpty();
        // The connection stays up and its own topics still work.
        assertThat(publish(client, "sensor/alpha/telemetry", """
                {"values":{"own":1}}""").isError()).isFalse();
        assertThat(fx.points("alpha", "own")).hasSize(1);
        client.disconnect();
    }

    @Test
    void device_willOnAnotherDevicesTopic_isRefusedAtConnect() {
        Mqtt5BlockingClient client = Clients.v5(port(), "alpha");
        assertThatThrownBy(() -> client.connectWith()
                        .simpleAuth()
                        .username("alpha")
                        .password(alpha.secret().getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .willPublish()
                        .topic("device/beta/status")
                        .payload("offline".getBytes(StandardCharsets.UTF_8))
                        .applyWillPublish()
                        .send())
                .isInstanceOfSatisfying(
                        Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode())
                                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    }

    @Test
    void device_subscribingBeyondItsTopics_isNotAuthorized_ownTopicsGranted() {
        Mqtt5BlockingClient client = Clients.device5(port(), "alpha", alpha.secret());
        assertThatThrownBy(() ->
                        client.subscribeWith().topicFilter("sensor/+/telemetry").send())
                .isInstanceOfSatisfying(
                        Mqtt5SubAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCodes())
                                .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
        assertThatThrownBy(() -> client.subscribeWith().topicFilter("#").send())
                .isInstanceOf(Mqtt5SubAckException.class);
        assertThat(client.subscribeWith()
                        .topicFilter("device/alpha/#")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send()
                        .getReasonCodes())
                .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
        client.disconnect();
    }

    /**
     * The broker refuses from the default permissions set at CONNECT, the denial counter from the
     * principal's own rules: both must draw the same line, wildcards and shared groups included.
     */
    @Test
    void subscriptions_grantedExactlyWithinTheAcl_eachDenialCounted() {
        Mqtt5BlockingClient device = Clients.device5(port(), "alpha", alpha.secret());
        assertSubscriptions(
                device,
                List.of(
                        "sensor/alpha/#",
                        "sensor/alpha",
                        "sensor/alpha/telemetry",
                        "device/alpha/+/x",
                        "$share/g/device/alpha/status"),
                List.of(
                        "sensor/+/telemetry",
                        "sensor/beta/#",
                        "#",
                        "+/alpha/#",
                        "sensor/alphabet/#",
                        "$share/g/sensor/beta/telemetry"));
        device.disconnect();
        Mqtt5BlockingClient dashboard = Clients.v5(port(), "dash-3");
        dashboard
                .connectWith()
                .simpleAuth()
                .username("dashboard")
                .password("dash-secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        assertSubscriptions(
                dashboard,
                List.of("sensor/+/telemetry", "sensor/beta/telemetry", "apps/x/y", "apps/#", "$share/g/apps/#"),
                List.of("sensor/#", "sensor/beta/status", "#", "+/+/telemetry"));
        dashboard.disconnect();
    }

    private static void assertSubscriptions(Mqtt5BlockingClient client, List<String> granted, List<String> refused) {
        double before = fx.counter("edgeward.mqtt.acl.denied", "action", "subscribe");
        for (String filter : granted) {
            assertThat(client.subscribeWith()
                            .topicFilter(filter)
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .send()
                            .getReasonCodes())
                    .as("SUBACK for %s", filter)
                    .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
        }
        for (String filter : refused) {
            assertThatThrownBy(() -> client.subscribeWith().topicFilter(filter).send())
                    .as("SUBACK for %s", filter)
                    .isInstanceOfSatisfying(
                            Mqtt5SubAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCodes())
                                    .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
        }
        assertThat(fx.counter("edgeward.mqtt.acl.denied", "action", "subscribe") - before)
                .isEqualTo(refused.size());
    }

    @Test
    void configuredUser_receivesStoredTelemetry_andStaysInsideItsAcl() throws Exception {
        Mqtt5BlockingClient dashboard = Clients.v5(port(), "dash-2");
        dashboard
                .connectWith()
                .simpleAuth()
                .username("dashboard")
                .password("dash-secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
                dashboard.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            dashboard
                    .subscribeWith()
                    .topicFilter("sensor/+/telemetry")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt5BlockingClient device = Clients.device5(port(), "beta", beta.secret());
            publish(device, "sensor/beta/telemetry", """
                    {"values":{"seen":3}}""");
            Optional<Mqtt5Publish> received = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(received)
                    .hasValueSatisfying(p -> assertThat(p.getTopic().toString()).isEqualTo("sensor/beta/telemetry"));
            device.disconnect();
        }
        assertThat(publish(dashboard, "apps/dashboard/state", "ok").isError()).isFalse();
        assertThat(publish(dashboard, "apps/other-user/state", "no")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        dashboard.disconnect();
    }

    @Test
    void gatewayUser_mayPublishForRegisteredDevices_unknownDeviceRefused() {
        Mqtt5BlockingClient gateway = Clients.v5(port(), "gw-1");
        gateway.connectWith()
                .simpleAuth()
                .username("gateway")
                .password("gw-secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        assertThat(publish(gateway, "sensor/alpha/telemetry", """
                {"values":{"via_gateway":5}}""").isError()).isFalse();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(fx.points("alpha", "via_gateway")).hasSize(1));
        assertThat(publish(gateway, "sensor/nobody/telemetry", """
                {"values":{"x":1}}"""))
                .isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID);
        assertThat(fx.counter("edgeward.telemetry.rejected", "reason", "unknown_device"))
                .isEqualTo(1);
        gateway.disconnect();
    }

    /** {@code %c} expands to the client id: an id with a wildcard or a separator would widen the grant to other clients' topics. */
    @Test
    void clientIdPlaceholder_wildcardOrSeparatorInClientId_isClientIdentifierNotValid_andNeverExpands()
            throws Exception {
        double before = fx.counter("edgeward.mqtt.connect.refused", "reason", "client_id_invalid");
        for (String clientId : List.of("+", "#", "a/b", "x+y")) {
            assertThat(connect5(clientId, "inbox", "inbox-secret"))
                    .as("CONNACK for client id %s", clientId)
                    .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        }
        assertThat(fx.counter("edgeward.mqtt.connect.refused", "reason", "client_id_invalid") - before)
                .isEqualTo(4);

        // A plain client id still gets exactly its own inbox, and nobody else's.
        Mqtt5BlockingClient victim = Clients.v5(port(), "victim");
        victim.connectWith()
                .simpleAuth()
                .username("inbox")
                .password("inbox-secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        Mqtt5BlockingClient other = Clients.v5(port(), "other");
        other.connectWith()
                .simpleAuth()
                .username("inbox")
                .password("inbox-secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        assertThatThrownBy(
                        () -> other.subscribeWith().topicFilter("apps/victim/#").send())
                .isInstanceOf(Mqtt5SubAckException.class);
        assertThatThrownBy(() -> other.subscribeWith().topicFilter("apps/+/#").send())
                .isInstanceOf(Mqtt5SubAckException.class);
        assertThat(publish(other, "apps/victim/inbox", "spoof")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
                victim.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            victim.subscribeWith()
                    .topicFilter("apps/victim/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            assertThat(publish(victim, "apps/victim/inbox", "mine").isError()).isFalse();
            assertThat(publishes.receive(5, TimeUnit.SECONDS))
                    .hasValueSatisfying(p -> assertThat(p.getTopic().toString()).isEqualTo("apps/victim/inbox"));
        }
        victim.disconnect();
        other.disconnect();
    }
}
