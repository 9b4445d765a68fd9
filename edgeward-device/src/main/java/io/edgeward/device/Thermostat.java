package io.edgeward.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's thermostat (an actuator): handles {@code set_temperature}, {@code restart} and the
 * seed's rule actions {@code activate_cooling} and {@code shutdown_machine} on {@code
 * device/{id}/command} and answers on {@code device/{id}/response} (any other type: {@code failed},
 * "unknown command type"); keeps a target temperature and syncs it through its shadow: applies
 * {@code desired.target_temperature} from the delta and reports it back. It measures too: {@link
 * #measure} publishes a reading on {@code sensor/{id}/telemetry}.
 */
public final class Thermostat {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final String firmware;
    private final String location;
    private final Mqtt5AsyncClient client;
    private final AtomicLong commandsHandled = new AtomicLong();
    private final AtomicLong shadowSyncs = new AtomicLong();
    private volatile double targetTemperature = 21.0;
    private volatile boolean cooling;
    private volatile boolean running = true;
    private final Map<String, AtomicLong> handledByType = new ConcurrentHashMap<>();

    public Thermostat(String host, int port, String id, String secret, String firmware, String location) {
        this.id = id;
        this.firmware = firmware;
        this.location = location;
        var builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost(host)
                .serverPort(port)
                .automaticReconnect()
                .initialDelay(500, TimeUnit.MILLISECONDS)
                .maxDelay(30, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(context -> onConnected());
        if (secret != null) {
            builder.simpleAuth()
                    .username(id)
                    .password(secret.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        this.client = builder.buildAsync();
    }

    /** Connects with a persistent session, so commands and deltas sent while away arrive on reconnect. */
    public CompletableFuture<?> connect() {
        client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, this::onMessage);
        return client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(TimeUnit.DAYS.toSeconds(1))
                .keepAlive(30)
                .willPublish()
                .topic("device/" + id + "/status")
                .payload("offline".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .applyWillPublish()
                .send()
                .thenCompose(connack -> client.subscribeWith()
                        .addSubscription()
                        .topicFilter("device/" + id + "/command")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .applySubscription()
                        .addSubscription()
                        .topicFilter("device/" + id + "/shadow/update/delta")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .applySubscription()
                        .addSubscription()
                        .topicFilter("device/" + id + "/shadow/get/accepted")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .applySubscription()
                        .send())
                .thenCompose(suback -> publish("device/" + id + "/shadow/get", "{}"));
    }

    private void onConnected() {
        publish("device/" + id + "/status", "online");
        ObjectNode reported = JSON.createObjectNode();
        reported.put("target_temperature", targetTemperature)
                .put("firmware_version", firmware)
                .put("location", location);
        report(reported);
    }

    private void onMessage(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        JsonNode message;
        try {
            message = JSON.readTree(publish.getPayloadAsBytes());
        } catch (IOException e) {
            return;
        }
        if (topic.endsWith("/command")) {
            handle(message);
        } else if (topic.endsWith("/shadow/update/delta")) {
            apply(message.path("state"));
        } else if (topic.endsWith("/shadow/get/accepted")) {
            apply(message.path("state").path("delta"));
        }
    }

    private void handle(JsonNode command) {
        ObjectNode response = JSON.createObjectNode();
        response.put("command_id", command.path("command_id").asText());
        switch (command.path("type").asText()) {
            case "set_temperature" -> {
                JsonNode temperature = command.path("parameters").path("temperature");
                if (!temperature.isNumber()) {
                    response.put("status", "failed").put("message", "invalid temperature parameter");
                } else {
                    targetTemperature = temperature.asDouble();
                    report(JSON.createObjectNode().put("target_temperature", targetTemperature));
                    response.put("status", "success")
                            .put("message", String.format("temperature set to %.1f°C", targetTemperature));
                }
            }
            case "restart" -> response.put("status", "success").put("message", "device restarting");
            case "activate_cooling" -> {
                cooling = true;
                report(JSON.createObjectNode().put("cooling", true));
                response.put("status", "success").put("message", "cooling on");
            }
            case "shutdown_machine" -> {
                running = false;
                report(JSON.createObjectNode().put("running", false));
                response.put("status", "success").put("message", "machine stopped");
            }
            default -> response.put("status", "failed").put("message", "unknown command type");
        }
        response.put("timestamp", System.currentTimeMillis() / 1000);
        commandsHandled.incrementAndGet();
        handledByType
                .computeIfAbsent(command.path("type").asText(), t -> new AtomicLong())
                .incrementAndGet();
        publish("device/" + id + "/response", response.toString());
    }

    /** Applies a desired target temperature and reports what it now holds. */
    private void apply(JsonNode delta) {
        JsonNode target = delta.path("target_temperature");
        if (target.isNumber()) {
            targetTemperature = target.asDouble();
            report(JSON.createObjectNode().put("target_temperature", targetTemperature));
            shadowSyncs.incrementAndGet();
        }
    }

    private void report(ObjectNode reported) {
        ObjectNode update = JSON.createObjectNode();
        update.putObject("state").set("reported", reported);
        publish("device/" + id + "/shadow/update", update.toString());
    }

    private CompletableFuture<?> publish(String topic, String payload) {
        return client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(topic.endsWith("/status"))
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    /**
     * Publishes readings at the given time (QoS 1, completes on the broker's acknowledgement):
     * {@code {"ts": ts, "values": {...}}} on {@code sensor/{id}/telemetry}.
     */
    public CompletableFuture<?> measure(long ts, Map<String, Double> values) {
        ObjectNode body = JSON.createObjectNode().put("ts", ts);
        ObjectNode readings = body.putObject("values");
        values.forEach(readings::put);
        return publish("sensor/" + id + "/telemetry", body.toString());
    }

    public boolean cooling() {
        return cooling;
    }

    public boolean running() {
        return running;
    }

    /** Commands of this type handled so far. */
    public long handled(String type) {
        AtomicLong count = handledByType.get(type);
        return count == null ? 0 : count.get();
    }

    public double targetTemperature() {
        return targetTemperature;
    }

    public long commandsHandled() {
        return commandsHandled.get();
    }

    public long shadowSyncs() {
        return shadowSyncs.get();
    }

    public void disconnect() {
        try {
            if (client.getState().isConnected()) {
                publish("device/" + id + "/status", "offline").get(5, TimeUnit.SECONDS);
            }
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The broker is gone or slow; the Last Will says offline for us.
        }
    }
}
