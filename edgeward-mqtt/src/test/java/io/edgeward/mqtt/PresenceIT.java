package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.Registration;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A device's status follows its MQTT connection. */
class PresenceIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create();

    private static DeviceStatus status(String id) {
        return fx.registry.find(DeviceId.of(id)).orElseThrow().status();
    }

    @Test
    void connect_isOnline_cleanDisconnect_isOffline() {
        Registration device = fx.register("p-1");
        assertThat(status("p-1")).isEqualTo(DeviceStatus.OFFLINE);
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "p-1", device.secret());
        await().until(() -> status("p-1") == DeviceStatus.ONLINE);
        client.disconnect();
        await().until(() -> status("p-1") == DeviceStatus.OFFLINE);
    }

    @Test
    void lostConnection_isOffline() throws Exception {
        Registration device = fx.register("p-2");
        try (Socket socket = new Socket("127.0.0.1", fx.broker.port())) {
            socket.getOutputStream().write(RawMqtt.connectWithPassword("p-2", device.secret()));
            assertThat(socket.getInputStream().read()).as("CONNACK").isEqualTo(0x20);
            await().until(() -> status("p-2") == DeviceStatus.ONLINE);
        }
        // The socket closed without DISCONNECT, as a device losing power.
        await().until(() -> status("p-2") == DeviceStatus.OFFLINE);
    }

    @Test
    void sessionTakeover_staysOnline() {
        Registration device = fx.register("p-3");
        Mqtt5BlockingClient first = Clients.device5(fx.broker.port(), "p-3", device.secret());
        await().until(() -> status("p-3") == DeviceStatus.ONLINE);
        // The same client id connects again: the broker closes the first connection.
        Mqtt5BlockingClient second = Clients.device5(fx.broker.port(), "p-3", device.secret());
        await().until(() -> !first.getState().isConnected());
        assertThat(fx.presence.onlineCount()).isGreaterThanOrEqualTo(1);
        await().during(Duration.ofMillis(500)).until(() -> status("p-3") == DeviceStatus.ONLINE);
        second.disconnect();
        await().until(() -> status("p-3") == DeviceStatus.OFFLINE);
    }

    @Test
    void refusedConnect_changesNothing() {
        fx.register("p-4");
        Mqtt5BlockingClient client = Clients.v5(fx.broker.port(), "p-4");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.connectWith()
                        .simpleAuth()
                        .username("p-4")
                        .password("wrong".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .send())
                .isNotNull();
        await().during(Duration.ofMillis(300)).until(() -> status("p-4") == DeviceStatus.OFFLINE);
    }
}
