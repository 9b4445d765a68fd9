package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.Registration;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowVersion;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The AWS IoT style shadow topics, end to end through the embedded broker and SQLite. */
class ShadowIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create();

    record Device(String id, Mqtt5BlockingClient client, Inbox inbox) {
        String topic(String suffix) {
            return "device/" + id + "/shadow/" + suffix;
        }

        void publish(String suffix, String payload) {
            assertThat(Clients.publish(client, topic(suffix), payload)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        }
    }

    static Device connect(String id) {
        Registration registration = fx.register(id);
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), id, registration.secret());
        return new Device(id, client, Inbox.subscribe(client, "device/" + id + "/shadow/#"));
    }

    static void operatorSets(String id, String desired) {
        fx.shadows.update(
                DeviceId.of(id), ("{\"state\":{\"desired\":" + desired + "}}").getBytes(), ChangedBy.OPERATOR);
    }

    @Test
    void reportedUpdate_isAccepted_withVersionAndToken_andGetReturnsIt() throws Exception {
        Device d = connect("sh-1");
        d.publish("update", """
                {"state":{"reported":{"temperature":21.5,"fw":{"version":"1.0"}}},"clientToken":"t-1"}""");

        JsonNode accepted = d.inbox().next(d.topic("update/accepted"));
        assertThat(accepted.at("/state/reported/temperature").asDouble()).isEqualTo(21.5);
        assertThat(accepted.at("/version").asLong()).isEqualTo(1);
        assertThat(accepted.at("/clientToken").asText()).isEqualTo("t-1");
        assertThat(accepted.at("/metadata/reported/fw/version/timestamp").isIntegralNumber())
                .isTrue();

        d.publish("get", """
                {"clientToken":"g-1"}""");
        JsonNode got = d.inbox().next(d.topic("get/accepted"));
        assertThat(got.at("/state/reported/fw/version").asText()).isEqualTo("1.0");
        assertThat(got.at("/version").asLong()).isEqualTo(1);
        assertThat(got.at("/clientToken").asText()).isEqualTo("g-1");
    }

    @Test
    void desiredChange_sendsDelta_andMatchingReport_clearsIt() throws Exception {
        Device d = connect("sh-2");
        d.publish("update", """
                {"state":{"reported":{"target_temperature":20,"mode":"eco"}}}""");
        d.inbox().next(d.topic("update/accepted"));

        operatorSets("sh-2", """
                {"target_temperature":22.5,"mode":"eco"}""");
        JsonNode delta = d.inbox().next(d.topic("update/delta"));
        assertThat(delta.at("/state/target_temperature").asDouble()).isEqualTo(22.5);
        assertThat(delta.at("/state").has("mode"))
                .as("equal in desired and reported: not in the delta")
                .isFalse();

        d.publish("update", """
                {"state":{"reported":{"target_temperature":22.5}}}""");
        JsonNode documents = d.inbox().next(d.topic("update/documents"));
        assertThat(documents.at("/previous/state/reported/target_temperature").asInt())
                .isEqualTo(20);
        assertThat(documents.at("/current/state/reported/target_temperature").asDouble())
                .isEqualTo(22.5);
        assertThat(fx.shadows.get(DeviceId.of("sh-2")).delta().isEmpty()).isTrue();
        assertThat(d.inbox().silentOn(d.topic("update/delta"), Duration.ofMillis(300)))
                .as("no delta once in sync")
                .isTrue();
    }

    @Test
    void nullDeletes_nestedObjectsMerge_arraysReplace() throws Exception {
        Device d = connect("sh-3");
        d.publish("update", """
                {"state":{"reported":{"a":{"x":1,"y":2},"list":[1,2,3],"gone":true}}}""");
        d.publish("update", """
                {"state":{"reported":{"a":{"y":3},"list":[9],"gone":null}}}""");
        await().untilAsserted(() ->
                assertThat(fx.shadows.get(DeviceId.of("sh-3")).version()).isEqualTo(2));
        JsonNode reported = fx.shadows.get(DeviceId.of("sh-3")).reported();
        assertThat(reported).isEqualTo(JSON.readTree("""
                {"a":{"x":1,"y":3},"list":[9]}"""));
        assertThat(fx.shadows.get(DeviceId.of("sh-3")).reportedMetadata().has("gone"))
                .isFalse();
    }

    @Test
    void staleVersion_isRejected409_withCurrentVersion_andNothingChanges() throws Exception {
        Device d = connect("sh-4");
        d.publish("update", """
                {"state":{"reported":{"v":1}}}""");
        d.inbox().next(d.topic("update/accepted"));
        d.publish("update", """
                {"state":{"reported":{"v":2}},"version":7,"clientToken":"c-7"}""");

        JsonNode rejected = d.inbox().next(d.topic("update/rejected"));
        assertThat(rejected.at("/code").asInt()).isEqualTo(409);
        assertThat(rejected.at("/version").asLong()).isEqualTo(1);
        assertThat(rejected.at("/clientToken").asText()).isEqualTo("c-7");
        assertThat(fx.shadows.get(DeviceId.of("sh-4")).reported().get("v").asInt())
                .isEqualTo(1);

        d.publish("update", """
                {"state":{"reported":{"v":3}},"version":1}""");
        assertThat(d.inbox().next(d.topic("update/accepted")).at("/version").asLong())
                .isEqualTo(2);
    }

    @Test
    void deviceWithPersistentSession_getsTheDeltaItMissed_onReconnect() throws Exception {
        Registration registration = fx.register("sh-5");
        Mqtt5BlockingClient first = Clients.v5(fx.broker.port(), "sh-5");
        first.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(3600)
                .simpleAuth()
                .username("sh-5")
                .password(registration.secret().getBytes())
                .applySimpleAuth()
                .send();
        Inbox.subscribe(first, "device/sh-5/shadow/update/delta");
        first.disconnect();

        operatorSets("sh-5", """
                {"led":"on"}""");

        Mqtt5BlockingClient again = Clients.v5(fx.broker.port(), "sh-5");
        Inbox inbox = Inbox.listen(again, "device/sh-5/shadow/update/delta");
        again.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(3600)
                .simpleAuth()
                .username("sh-5")
                .password(registration.secret().getBytes())
                .applySimpleAuth()
                .send();
        assertThat(inbox.next("device/sh-5/shadow/update/delta")
                        .at("/state/led")
                        .asText())
                .isEqualTo("on");
        again.disconnect();
    }

    @Test
    void deviceThatAsks_getsTheDelta_withTheDocument() throws Exception {
        fx.register("sh-6");
        operatorSets("sh-6", """
                {"interval":30}""");
        Mqtt5BlockingClient client = Clients.device5(
                fx.broker.port(), "sh-6", fx.registry.rotateCredentials("sh-6").secret());
        Inbox inbox = Inbox.subscribe(client, "device/sh-6/shadow/#");
        Clients.publish(client, "device/sh-6/shadow/get", "{}");
        assertThat(inbox.next("device/sh-6/shadow/get/accepted")
                        .at("/state/delta/interval")
                        .asInt())
                .isEqualTo(30);
        assertThat(inbox.next("device/sh-6/shadow/update/delta")
                        .at("/state/interval")
                        .asInt())
                .isEqualTo(30);
    }

    @Test
    void badRequests_areRejected_counted_andLeaveTheShadowIntact() throws Exception {
        Device d = connect("sh-7");
        d.publish("update", """
                {"state":{"reported":{"ok":true}}}""");
        d.inbox().next(d.topic("update/accepted"));

        d.publish("update", "{not json");
        assertThat(d.inbox().next(d.topic("update/rejected")).at("/code").asInt())
                .isEqualTo(400);
        d.publish("update", """
                {"state":{"reported":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}""");
        JsonNode deep = d.inbox().next(d.topic("update/rejected"));
        assertThat(deep.at("/code").asInt()).isEqualTo(400);
        assertThat(deep.at("/message").asText()).contains("deeper than 6");
        d.publish("update", "{\"state\":{\"reported\":{\"blob\":\"" + "x".repeat(9000) + "\"}}}");
        assertThat(d.inbox().next(d.topic("update/rejected")).at("/code").asInt())
                .isEqualTo(413);
        d.publish("update", """
                {"state":{"delta":{"x":1}}}""");
        assertThat(d.inbox().next(d.topic("update/rejected")).at("/code").asInt())
                .isEqualTo(400);
        d.publish("update", """
                {"state":{"reported":[1,2]}}""");
        assertThat(d.inbox().next(d.topic("update/rejected")).at("/code").asInt())
                .isEqualTo(400);

        assertThat(fx.shadows.get(DeviceId.of("sh-7")).version()).isEqualTo(1);
        assertThat(fx.shadows.get(DeviceId.of("sh-7")).reported()).isEqualTo(JSON.readTree("""
                {"ok":true}"""));
        assertThat(fx.counter("edgeward.shadow.rejected", "code", "400")).isGreaterThanOrEqualTo(4);
        assertThat(fx.counter("edgeward.shadow.rejected", "code", "413")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void deviceMayNotPublish_onThePlatformsAnswerTopics() {
        Device d = connect("sh-8");
        assertThat(Clients.publish(d.client(), d.topic("update/accepted"), """
                {"state":{}}"""))
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(Clients.publish(d.client(), "device/sh-8/command", "{}"))
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(d.client().getState().isConnected()).isTrue();
    }

    @Test
    void telemetry_updatesReported_andHistorySaysSo() throws Exception {
        Registration registration = fx.register("sh-9");
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "sh-9", registration.secret());
        Clients.publish(client, "sensor/sh-9/telemetry", """
                {"values":{"temperature":19.5,"door":true}}""");
        await().untilAsserted(() ->
                assertThat(fx.shadows.get(DeviceId.of("sh-9")).reported()).isEqualTo(JSON.readTree("""
                        {"temperature":19.5,"door":true}""")));
        List<ShadowVersion> history = fx.shadows.history(DeviceId.of("sh-9"), Long.MAX_VALUE, 10);
        assertThat(history).first().satisfies(v -> assertThat(v.changedBy()).isEqualTo(ChangedBy.TELEMETRY));
    }
}
