package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandStatus;
import io.edgeward.core.command.NewCommand;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.Registration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Commands to devices over MQTT: delivery, correlation, timeouts, TTL and order. */
class CommandIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create();

    static Command send(String device, String type, Duration timeout, Duration ttl) {
        return fx.commands.submit(
                DeviceId.of(device), new NewCommand(type, Map.of("temperature", 22.5), timeout, ttl, null));
    }

    static Command outcome(String device, Command command) throws InterruptedException {
        return fx.commands.await(DeviceId.of(device), command.id(), Duration.ofSeconds(15));
    }

    /** A device that answers every command as the seed's thermostat would. */
    static Mqtt5BlockingClient thermostat(String id, Registration registration) {
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), id, registration.secret());
        client.toAsync()
                .subscribeWith()
                .topicFilter("device/" + id + "/command")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    String document = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
                    String commandId = document.replaceAll(".*\"command_id\":\"([^\"]+)\".*", "$1");
                    boolean known = document.contains("\"type\":\"set_temperature\"");
                    String response = "{\"command_id\":\"" + commandId + "\",\"status\":\""
                            + (known ? "success" : "failed") + "\",\"message\":\""
                            + (known ? "temperature set to 22.5" : "unknown command type") + "\",\"timestamp\":1}";
                    client.toAsync()
                            .publishWith()
                            .topic("device/" + id + "/response")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(response.getBytes(StandardCharsets.UTF_8))
                            .send();
                })
                .send()
                .join();
        return client;
    }

    @Test
    void onlineDevice_succeeds_throughDeliveredToSucceeded() throws Exception {
        thermostat("c-1", fx.register("c-1"));
        Command command = send("c-1", "set_temperature", null, null);
        Command done = outcome("c-1", command);
        assertThat(done.status()).isEqualTo(CommandStatus.SUCCEEDED);
        assertThat(done.message()).isEqualTo("temperature set to 22.5");
        assertThat(done.sentAt()).isNotNull();
        assertThat(done.deliveredAt()).as("the device's PUBACK was correlated").isNotNull();
        assertThat(done.completedAt()).isAfterOrEqualTo(done.sentAt());
    }

    @Test
    void deviceAnswersFailed_commandFails_withItsMessage() throws Exception {
        thermostat("c-2", fx.register("c-2"));
        Command done = outcome("c-2", send("c-2", "self_destruct", null, null));
        assertThat(done.status()).isEqualTo(CommandStatus.FAILED);
        assertThat(done.message()).isEqualTo("unknown command type");
    }

    @Test
    void silentDevice_timesOut_andALateAnswerChangesNothing() throws Exception {
        Registration registration = fx.register("c-3");
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "c-3", registration.secret());
        Inbox inbox = Inbox.subscribe(client, "device/c-3/command");
        Command command = send("c-3", "set_temperature", Duration.ofMillis(500), null);
        JsonNode document = inbox.next("device/c-3/command");
        assertThat(document.at("/command_id").asText()).isEqualTo(command.id());
        assertThat(document.at("/parameters/temperature").asDouble()).isEqualTo(22.5);

        Command done = outcome("c-3", command);
        assertThat(done.status()).isEqualTo(CommandStatus.TIMED_OUT);
        assertThat(done.deliveredAt()).isNotNull();

        Clients.publish(
                client, "device/c-3/response", "{\"command_id\":\"" + command.id() + "\",\"status\":\"success\"}");
        assertThat(fx.commands.get(DeviceId.of("c-3"), command.id()).status()).isEqualTo(CommandStatus.TIMED_OUT);
    }

    @Test
    void offlineDevice_commandExpires_afterItsTtl() throws Exception {
        fx.register("c-4");
        Command command = send("c-4", "restart", null, Duration.ofMillis(300));
        assertThat(command.status()).isEqualTo(CommandStatus.QUEUED);
        Command done = outcome("c-4", command);
        assertThat(done.status()).isEqualTo(CommandStatus.EXPIRED);
        assertThat(done.sentAt()).isNull();
    }

    @Test
    void offlineDevice_getsQueuedCommands_inOrder_whenItComesBack() throws Exception {
        Registration registration = fx.register("c-5");
        Command first = send("c-5", "set_temperature", null, null);
        Command second = send("c-5", "restart", null, null);
        Command third = send("c-5", "set_temperature", null, null);
        Command expired = send("c-5", "set_temperature", null, Duration.ofMillis(1));
        await().until(() -> fx.commands.get(DeviceId.of("c-5"), expired.id()).status() == CommandStatus.EXPIRED);

        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "c-5", registration.secret());
        Inbox inbox = Inbox.subscribe(client, "device/c-5/command");
        assertThat(inbox.next("device/c-5/command").at("/command_id").asText()).isEqualTo(first.id());
        assertThat(inbox.next("device/c-5/command").at("/command_id").asText()).isEqualTo(second.id());
        assertThat(inbox.next("device/c-5/command").at("/command_id").asText()).isEqualTo(third.id());
        assertThat(inbox.silentOn("device/c-5/command", Duration.ofMillis(500)))
                .as("the expired one is not sent")
                .isTrue();
        await().untilAsserted(() -> assertThat(
                        fx.commands.get(DeviceId.of("c-5"), third.id()).status())
                .isEqualTo(CommandStatus.DELIVERED));
    }

    @Test
    void badResponses_areRefused_counted_andChangeNothing() throws Exception {
        Registration registration = fx.register("c-6");
        fx.register("c-6b");
        Command foreign = send("c-6b", "restart", null, null);
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "c-6", registration.secret());
        double malformed = fx.counter("edgeward.command.responses.rejected", "reason", "malformed");
        double unknown = fx.counter("edgeward.command.responses.rejected", "reason", "unknown_command");

        assertThat(Clients.publish(client, "device/c-6/response", "{oops"))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(Clients.publish(client, "device/c-6/response", """
                {"command_id":"x","status":"maybe"}"""))
                .isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
        assertThat(Clients.publish(
                        client,
                        "device/c-6/response",
                        "{\"command_id\":\"" + foreign.id() + "\",\"status\":\"success\"}"))
                .as("another device's command")
                .isEqualTo(Mqtt5PubAckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR);

        assertThat(fx.counter("edgeward.command.responses.rejected", "reason", "malformed"))
                .isEqualTo(malformed + 2);
        assertThat(fx.counter("edgeward.command.responses.rejected", "reason", "unknown_command"))
                .isEqualTo(unknown + 1);
        assertThat(fx.commands.get(DeviceId.of("c-6b"), foreign.id()).status()).isEqualTo(CommandStatus.QUEUED);
        assertThat(client.getState().isConnected()).isTrue();
    }

    @Test
    void idempotencyKey_returnsTheFirstCommand() {
        fx.register("c-7");
        NewCommand request = new NewCommand("restart", Map.of(), null, null, "key-1");
        Command first = fx.commands.submit(DeviceId.of("c-7"), request);
        Command again = fx.commands.submit(DeviceId.of("c-7"), request);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(fx.commands.list(DeviceId.of("c-7"), 10, null)).hasSize(1);
    }
}
