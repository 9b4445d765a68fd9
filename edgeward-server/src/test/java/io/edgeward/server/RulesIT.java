package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.sun.net.httpserver.HttpServer;
import io.edgeward.device.Thermostat;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's two rules end to end, from a rule file in {@code <data-dir>/rules/}, with the
 * simulator's thermostat over MQTT: its readings raise the alarms, and it receives the commands the
 * rules send. And a webhook that fails twice before it takes the firing.
 */
class RulesIT {

    @TempDir
    Path dir;

    static final String SEED_RULES = """
            - id: high-temp
              name: IF temperature > 80 THEN send_alert AND activate_cooling
              metric: temperature
              condition: value > 80
              actions:
                - {type: alarm, severity: major, message: "{{device.id}} at {{value}}"}
                - {type: command, command: activate_cooling}
            - id: vibration
              name: IF vibration > threshold FOR 5 minutes THEN send_alert AND shutdown_machine
              metric: vibration
              condition: value > 5
              for: 5m
              clear: value < 3
              actions:
                - {type: alarm, severity: critical}
                - {type: command, command: shutdown_machine}
            """;

    @Test
    void theSeedsRules_raiseTheirAlarms_andTheThermostatReceivesTheirCommands_once() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/seed.yaml"), SEED_RULES);
        try (Node node = new Node(dir, Map.of())) {
            assertThat(node.get("/api/v1/rules").get("rules"))
                    .extracting(
                            r -> r.get("id").asText() + "@" + r.get("author").asText())
                    .containsExactly("high-temp@file:seed.yaml", "vibration@file:seed.yaml");
            String id = "rules-thermostat-1";
            Thermostat thermostat = new Thermostat("127.0.0.1", node.mqttPort, id, node.register(id), "1.0.0", "lab");
            thermostat.connect().get();
            try {
                long t0 = System.currentTimeMillis() - 3_600_000;
                thermostat.measure(t0, Map.of("temperature", 75.0)).get();
                thermostat.measure(t0 + 1_000, Map.of("temperature", 85.0)).get();
                await().atMost(Duration.ofSeconds(10)).until(thermostat::cooling);
                JsonNode hot = alarms(node, id, "high-temp").get(0);
                assertThat(hot.get("severity").asText()).isEqualTo("major");
                assertThat(hot.get("message").asText()).isEqualTo(id + " at 85");

                // Vibration over 5 for five minutes of the device's time, one reading a minute.
                for (int minute = 0; minute <= 4; minute++) {
                    thermostat
                            .measure(t0 + minute * 60_000L, Map.of("vibration", 6.0 + minute % 2))
                            .get();
                }
                assertThat(alarms(node, id, "vibration")).isEmpty();
                thermostat.measure(t0 + 300_000, Map.of("vibration", 7.0)).get();
                await().atMost(Duration.ofSeconds(10)).until(() -> !thermostat.running());
                assertThat(alarms(node, id, "vibration").get(0).get("severity").asText())
                        .isEqualTo("critical");
                thermostat.measure(t0 + 360_000, Map.of("vibration", 8.0)).get();
                thermostat.measure(t0 + 420_000, Map.of("vibration", 4.0)).get(); // below 5, not below 3
                assertThat(alarms(node, id, "vibration").get(0).get("status").asText())
                        .isEqualTo("active_unack");
                thermostat.measure(t0 + 480_000, Map.of("vibration", 2.0)).get();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> alarms(node, id, "vibration")
                                .get(0)
                                .get("status")
                                .asText()
                                .equals("cleared_unack"));
                assertThat(thermostat.handled("shutdown_machine"))
                        .as("one firing, one command")
                        .isEqualTo(1);
                assertThat(thermostat.handled("activate_cooling")).isEqualTo(1);
            } finally {
                thermostat.disconnect();
            }
        }
    }

    @Test
    void aWebhookThatFailsTwice_getsTheFiringOnce_signed_withOneDeliveryId() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> deliveries = new CopyOnWriteArrayList<>();
        List<String> accepted = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            deliveries.add(exchange.getRequestHeaders().getFirst("X-Edgeward-Delivery"));
            int status = calls.incrementAndGet() <= 2 ? 503 : 200;
            if (status == 200
                    && ("sha256=" + hmac("s3cret", body))
                            .equals(exchange.getRequestHeaders().getFirst("X-Edgeward-Signature"))) {
                accepted.add(new String(body, StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        try (Node node = new Node(dir, Map.of())) {
            String rule = """
                    {"id": "hook", "metric": "pressure", "condition": "value > 10",
                     "actions": [{"type": "webhook", "url": "http://127.0.0.1:%d/hook", "secret": "s3cret", "retries": 5}]}""".formatted(receiver.getAddress().getPort());
            assertThat(node.send("POST", "/api/v1/rules", rule).statusCode()).isEqualTo(201);
            String id = "hook-dev-1";
            Thermostat device = new Thermostat("127.0.0.1", node.mqttPort, id, node.register(id), "1.0.0", "lab");
            device.connect().get();
            try {
                device.measure(System.currentTimeMillis(), Map.of("pressure", 12.5))
                        .get();
                await().atMost(Duration.ofSeconds(20)).until(() -> accepted.size() == 1);
                assertThat(calls.get()).isEqualTo(3);
                assertThat(deliveries).hasSize(3).allMatch(d -> d.equals(deliveries.getFirst()));
                JsonNode firing = Node.JSON.readTree(accepted.getFirst());
                assertThat(firing.get("event").asText()).isEqualTo("fired");
                assertThat(firing.at("/device/id").asText()).isEqualTo(id);
                assertThat(firing.get("value").asDouble()).isEqualTo(12.5);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> node.send("GET", "/metrics", null)
                                .body()
                                .contains("edgeward_rule_action_failures_total{action=\"webhook\"} 2.0"));
            } finally {
                device.disconnect();
            }
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void shadowAndPublishActions_andTheAlarmTopic_reachAnOperatorWhoseAclAllows() throws Exception {
        String users = """
                [{"username": "ops", "password": "ops-secret-123", "publish": [], "subscribe": ["alarms/#", "local/#"]}]""".replace("\n", " ");
        try (Node node = new Node(dir, Map.of("mqtt.users", users))) {
            assertThat(node.send("POST", "/api/v1/rules", """
                    {"id": "fan", "metric": "temperature", "condition": "value > 30",
                     "actions": [{"type": "alarm", "severity": "minor"},
                                 {"type": "shadow", "desired": {"fan": "on", "reason": "{{value}}"}},
                                 {"type": "publish", "topic": "local/alerts/{{device.id}}", "payload": "{{rule.id}} {{value}}"}]}""").statusCode()).isEqualTo(201);
            List<String> received = new CopyOnWriteArrayList<>();
            Mqtt5BlockingClient operator = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("ops-console")
                    .serverHost("127.0.0.1")
                    .serverPort(node.mqttPort)
                    .buildBlocking();
            operator.connectWith()
                    .simpleAuth()
                    .username("ops")
                    .password("ops-secret-123".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send();
            for (String filter : List.of("alarms/#", "local/#")) {
                operator.toAsync()
                        .subscribeWith()
                        .topicFilter(filter)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .callback(publish -> received.add(publish.getTopic() + " "
                                + new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                        .send()
                        .get();
            }
            assertThat(operator.toAsync()
                            .subscribeWith()
                            .topicFilter("device/+/command")
                            .send()
                            .handle((ack, e) -> e != null)
                            .get())
                    .as("the ACL refuses what it does not allow")
                    .isTrue();
            String id = "fan-dev-1";
            Thermostat device = new Thermostat("127.0.0.1", node.mqttPort, id, node.register(id), "1.0.0", "lab");
            device.connect().get();
            try {
                device.measure(System.currentTimeMillis(), Map.of("temperature", 31.5))
                        .get();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> received.stream().anyMatch(m -> m.equals("local/alerts/" + id + " fan 31.5")));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> received.stream().anyMatch(m -> m.startsWith("alarms/" + id + "/fan ")));
                JsonNode alarm = Node.JSON.readTree(received.stream()
                        .filter(m -> m.startsWith("alarms/"))
                        .findFirst()
                        .orElseThrow()
                        .substring(("alarms/" + id + "/fan ").length()));
                assertThat(alarm.get("severity").asText()).isEqualTo("minor");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> node.get("/api/v1/devices/" + id + "/shadow")
                                .at("/state/desired/fan")
                                .asText()
                                .equals("on"));
                assertThat(node.get("/api/v1/devices/" + id + "/shadow/history?limit=50")
                                .get("items"))
                        .as("the rule is recorded as the writer of the desired change")
                        .anyMatch(v -> v.get("changed_by").asText().equals("rule"));
            } finally {
                device.disconnect();
                operator.disconnect();
            }
        }
    }

    private static JsonNode alarms(Node node, String device, String rule) throws Exception {
        return node.get("/api/v1/alarms?device=" + device + "&rule=" + rule).get("alarms");
    }

    private static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
