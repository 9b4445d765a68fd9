package io.edgeward.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.charset.StandardCharsets;

/** Test clients: HiveMQ's MQTT client, v5 and v3.1.1, connected to the fixture's broker. */
final class Clients {

    private Clients() {}

    static Mqtt5BlockingClient v5(int port, String clientId) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
    }

    static Mqtt3BlockingClient v3(int port, String clientId) {
        return MqttClient.builder()
                .useMqttVersion3()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
    }

    static Mqtt5BlockingClient device5(int port, String id, String secret) {
        Mqtt5BlockingClient client = v5(port, id);
        client.connectWith()
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return client;
    }

    static Mqtt3BlockingClient device3(int port, String id, String secret) {
        Mqtt3BlockingClient client = v3(port, id);
        client.connectWith()
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return client;
    }

    /** Publishes QoS 1 and returns the PUBACK's reason code, error codes included. */
    static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient client, String topic, String payload) {
        return publish(client, topic, payload.getBytes(StandardCharsets.UTF_8), null);
    }

    static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient client, String topic, byte[] payload, String contentType) {
        var builder =
                client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload);
        if (contentType != null) {
            builder.contentType(contentType);
        }
        try {
            Mqtt5PublishResult result = builder.send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    /** The PUBACK's reason string, for a refused publish. */
    static String reasonString(Mqtt5BlockingClient client, String topic, String payload) {
        try {
            Mqtt5PublishResult result = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result)
                    .getPubAck()
                    .getReasonString()
                    .map(Object::toString)
                    .orElse("");
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonString().map(Object::toString).orElse("");
        }
    }
}
