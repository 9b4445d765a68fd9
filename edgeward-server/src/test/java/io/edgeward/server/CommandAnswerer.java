package io.edgeward.server;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A device connected over MQTT that answers every command it gets with success ("rebooted"). */
final class CommandAnswerer implements AutoCloseable {

    final Mqtt5AsyncClient client;

    CommandAnswerer(int port, String id, String secret) throws Exception {
        client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildAsync();
        client.connect().get(10, TimeUnit.SECONDS);
        client.subscribeWith()
                .topicFilter("device/" + id + "/command")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    try {
                        String command = PlatformProcess.JSON
                                .readTree(publish.getPayloadAsBytes())
                                .get("command_id")
                                .asText();
                        client.publishWith()
                                .topic("device/" + id + "/response")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(("{\"command_id\":\"" + command
                                                + "\",\"status\":\"success\",\"message\":\"rebooted\"}")
                                        .getBytes(StandardCharsets.UTF_8))
                                .send();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        client.disconnect().get(10, TimeUnit.SECONDS);
    }
}
