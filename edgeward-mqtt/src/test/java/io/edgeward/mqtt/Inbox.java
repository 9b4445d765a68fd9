package io.edgeward.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Messages a test client received, to be taken in arrival order. */
final class Inbox {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<Mqtt5Publish> messages = new LinkedBlockingQueue<>();

    /** Subscribes at QoS 1 and collects everything that arrives on {@code filter}. */
    static Inbox subscribe(Mqtt5BlockingClient client, String filter) {
        Inbox inbox = new Inbox();
        client.toAsync()
                .subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(inbox.messages::add)
                .send()
                .join();
        return inbox;
    }

    /** Collects what arrives on {@code filter} for a session that already holds the subscription. */
    static Inbox listen(Mqtt5BlockingClient client, String filter) {
        Inbox inbox = new Inbox();
        client.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, publish -> {
            if (com.hivemq.client.mqtt.datatypes.MqttTopicFilter.of(filter).matches(publish.getTopic())) {
                inbox.messages.add(publish);
            }
        });
        return inbox;
    }

    /** The next message on {@code topic}, skipping others; fails after the timeout. */
    JsonNode next(String topic, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Mqtt5Publish publish = messages.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (publish == null) {
                throw new AssertionError("nothing on " + topic + " within " + timeout);
            }
            if (publish.getTopic().toString().equals(topic)) {
                try {
                    return JSON.readTree(publish.getPayloadAsBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    JsonNode next(String topic) throws InterruptedException {
        return next(topic, Duration.ofSeconds(10));
    }

    /** True when nothing arrives on {@code topic} within {@code quiet}. */
    boolean silentOn(String topic, Duration quiet) throws InterruptedException {
        try {
            next(topic, quiet);
            return false;
        } catch (AssertionError e) {
            return true;
        }
    }
}
