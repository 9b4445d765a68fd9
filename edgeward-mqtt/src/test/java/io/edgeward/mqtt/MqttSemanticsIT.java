package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With mqtt.allow-anonymous, the embedded broker must behave as a standard MQTT 3.1.1 / 5 broker on
 * every topic outside the device namespaces: these cases follow the Eclipse Paho interoperability
 * suite (basic, retained, offline queueing, will, keep-alive, overlapping subscriptions, QoS 2,
 * unsubscribe, assigned client ids, shared subscriptions).
 */
class MqttSemanticsIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create().allowAnonymous();

    static Mqtt5BlockingClient v5(String id) {
        Mqtt5BlockingClient client = Clients.v5(fx.broker.port(), id);
        client.connect();
        return client;
    }

    static Mqtt3BlockingClient v3(String id) {
        Mqtt3BlockingClient client = Clients.v3(fx.broker.port(), id);
        client.connect();
        return client;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> receive(Mqtt5BlockingClient.Mqtt5Publishes publishes, int count) throws InterruptedException {
        List<String> received = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Optional<Mqtt5Publish> message = publishes.receive(5, TimeUnit.SECONDS);
            if (message.isEmpty()) {
                break;
            }
            received.add(message.get().getTopic() + "="
                    + new String(message.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        }
        return received;
    }

    @Test
    void basic_eachQos_deliveredOnce() throws Exception {
        Mqtt5BlockingClient sub = v5("basic-sub");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith()
                    .topicFilter("basic/topic")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .send();
            Mqtt5BlockingClient pub = v5("basic-pub");
            for (MqttQos qos : MqttQos.values()) {
                pub.publishWith()
                        .topic("basic/topic")
                        .qos(qos)
                        .payload(bytes("qos" + qos.getCode()))
                        .send();
            }
            // MQTT orders messages only within one QoS level (3.1.1 section 4.6).
            assertThat(receive(publishes, 3))
                    .containsExactlyInAnyOrder("basic/topic=qos0", "basic/topic=qos1", "basic/topic=qos2");
            assertThat(publishes.receive(300, TimeUnit.MILLISECONDS))
                    .as("no duplicate")
                    .isEmpty();
            pub.disconnect();
        }
        sub.disconnect();
    }

    @Test
    void retained_areDeliveredToNewSubscribers_andClearedByEmptyPayload() throws Exception {
        Mqtt3BlockingClient pub = v3("retain-pub");
        pub.publishWith()
                .topic("retain/a")
                .qos(MqttQos.AT_MOST_ONCE)
                .retain(true)
                .payload(bytes("a0"))
                .send();
        pub.publishWith()
                .topic("retain/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("b1"))
                .send();
        pub.publishWith()
                .topic("retain/c/d")
                .qos(MqttQos.EXACTLY_ONCE)
                .retain(true)
                .payload(bytes("cd2"))
                .send();

        Mqtt5BlockingClient sub = v5("retain-sub");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith()
                    .topicFilter("retain/#")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .send();
            assertThat(receive(publishes, 3)).containsExactlyInAnyOrder("retain/a=a0", "retain/b=b1", "retain/c/d=cd2");
        }
        sub.disconnect();
        for (String topic : List.of("retain/a", "retain/b", "retain/c/d")) {
            pub.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(new byte[0])
                    .send();
        }
        Mqtt5BlockingClient later = v5("retain-later");
        try (var publishes = later.publishes(MqttGlobalPublishFilter.ALL)) {
            later.subscribeWith().topicFilter("retain/#").send();
            assertThat(publishes.receive(1, TimeUnit.SECONDS))
                    .as("retained messages were cleared")
                    .isEmpty();
        }
        later.disconnect();
        pub.disconnect();
    }

    @Test
    void offlineMessages_areQueuedForAPersistentSession() throws Exception {
        Mqtt5BlockingClient sub = Clients.v5(fx.broker.port(), "offline-sub");
        sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        sub.subscribeWith().topicFilter("offline/#").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();

        Mqtt3BlockingClient pub = v3("offline-pub");
        pub.publishWith()
                .topic("offline/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("q1"))
                .send();
        pub.publishWith()
                .topic("offline/2")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("q2"))
                .send();
        pub.disconnect();

        Mqtt5BlockingClient back = Clients.v5(fx.broker.port(), "offline-sub");
        try (var publishes = back.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = back.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send();
            assertThat(ack.isSessionPresent()).isTrue();
            assertThat(receive(publishes, 2)).containsExactly("offline/1=q1", "offline/2=q2");
        }
        back.disconnect();
    }

    @Test
    void will_isPublishedWhenTheConnectionDiesWithoutDisconnect_viaKeepAliveTimeout() throws Exception {
        Mqtt5BlockingClient watcher = v5("will-watcher");
        try (var publishes = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith()
                    .topicFilter("will/topic")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            // A raw MQTT 3.1.1 client: CONNECT with keep-alive 1 s and a will, then silence, as a device that hangs.
            try (Socket socket = new Socket("127.0.0.1", fx.broker.port())) {
                socket.getOutputStream().write(RawMqtt.connectWithWill("will-client", 1, "will/topic", "gone"));
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().read()).as("CONNACK").isEqualTo(0x20);
                // The broker must close the connection after 1.5 x keep-alive and publish the will.
                Optional<Mqtt5Publish> will = publishes.receive(10, TimeUnit.SECONDS);
                assertThat(will)
                        .hasValueSatisfying(p -> assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))
                                .isEqualTo("gone"));
            }
        }
        watcher.disconnect();
    }

    @Test
    void will_isNotPublishedAfterACleanDisconnect() throws Exception {
        Mqtt5BlockingClient watcher = v5("nowill-watcher");
        try (var publishes = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("nowill/topic").send();
            Mqtt5BlockingClient client = Clients.v5(fx.broker.port(), "nowill-client");
            client.connectWith()
                    .willPublish()
                    .topic("nowill/topic")
                    .payload(bytes("gone"))
                    .applyWillPublish()
                    .send();
            client.disconnect();
            assertThat(publishes.receive(1, TimeUnit.SECONDS)).isEmpty();
        }
        watcher.disconnect();
    }

    @Test
    void overlappingSubscriptions_deliverAtLeastOnce_withTheHighestGrantedQos() throws Exception {
        Mqtt3BlockingClient sub = v3("overlap-sub");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith()
                    .topicFilter("overlap/#")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .send();
            sub.subscribeWith()
                    .topicFilter("overlap/+")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            v3("overlap-pub")
                    .publishWith()
                    .topic("overlap/x")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("o"))
                    .send();
            List<Mqtt3Publish> received = new ArrayList<>();
            Optional<Mqtt3Publish> message;
            while ((message = publishes.receive(1, TimeUnit.SECONDS)).isPresent()) {
                received.add(message.get());
            }
            // MQTT 3.1.1 (4.7.1.2): one copy at the maximum QoS, or one copy per matching subscription.
            assertThat(received).hasSizeBetween(1, 2);
            assertThat(received).extracting(Mqtt3Publish::getQos).contains(MqttQos.EXACTLY_ONCE);
        }
        sub.disconnect();
    }

    @Test
    void unsubscribe_stopsDelivery() throws Exception {
        Mqtt5BlockingClient sub = v5("unsub-sub");
        Mqtt5BlockingClient pub = v5("unsub-pub");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith()
                    .topicFilter("unsub/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            pub.publishWith()
                    .topic("unsub/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("1"))
                    .send();
            assertThat(receive(publishes, 1)).containsExactly("unsub/t=1");
            sub.unsubscribeWith().topicFilter("unsub/t").send();
            pub.publishWith()
                    .topic("unsub/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("2"))
                    .send();
            assertThat(publishes.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
        }
        sub.disconnect();
        pub.disconnect();
    }

    @Test
    void emptyClientId_getsAnAssignedIdentifier() {
        Mqtt5BlockingClient client = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .serverHost("127.0.0.1")
                .serverPort(fx.broker.port())
                .buildBlocking();
        Mqtt5ConnAck ack = client.connect();
        assertThat(ack.getAssignedClientIdentifier()).isPresent();
        client.disconnect();
    }

    @Test
    void sharedSubscription_deliversEachMessageToExactlyOneMember() throws Exception {
        Mqtt5BlockingClient a = v5("share-a");
        Mqtt5BlockingClient b = v5("share-b");
        try (var pa = a.publishes(MqttGlobalPublishFilter.ALL);
                var pb = b.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith()
                    .topicFilter("$share/workers/jobs")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            b.subscribeWith()
                    .topicFilter("$share/workers/jobs")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt5BlockingClient pub = v5("share-pub");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                pub.publishWith()
                        .topic("jobs")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("j" + i))
                        .send();
                sent.add("jobs=j" + i);
            }
            List<String> all = new ArrayList<>(drain(pa));
            all.addAll(drain(pb));
            assertThat(all).containsExactlyInAnyOrderElementsOf(sent);
            pub.disconnect();
        }
        a.disconnect();
        b.disconnect();
    }

    private static List<String> drain(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws InterruptedException {
        List<String> received = new ArrayList<>();
        Optional<Mqtt5Publish> m;
        while ((m = publishes.receive(500, TimeUnit.MILLISECONDS)).isPresent()) {
            received.add(m.get().getTopic() + "=" + new String(m.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        }
        return received;
    }

    @Test
    void anonymousClients_cannotPublishIntoDeviceNamespaces() {
        Mqtt5BlockingClient anonymous = v5("anon-spoofer");
        assertThat(Clients.publish(anonymous, "sensor/anything/telemetry", """
                {"values":{"x":1}}"""))
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    }
}
