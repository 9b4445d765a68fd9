package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.extension.sdk.api.services.Services;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DevicePatch;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.Registration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What operators do to devices reaches their live connections. */
class LifecycleIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create()
            // A gateway user that publishes telemetry for devices which never connect themselves.
            .users(new MqttUser("gateway", "gateway-secret", List.of("sensor/+/telemetry"), List.of()));

    static Mqtt5BlockingClient persistent(String id, String secret) {
        Mqtt5BlockingClient client = Clients.v5(fx.broker.port(), id);
        client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(3600)
                .simpleAuth()
                .username(id)
                .password(secret.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return client;
    }

    @Test
    void rotatingCredentials_disconnectsTheDevice_andOnlyTheNewSecretConnects() {
        Registration registration = fx.register("lc-1");
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "lc-1", registration.secret());
        Registration rotated = fx.registry.rotateCredentials("lc-1");
        await().until(() -> !client.getState().isConnected());
        assertThatThrownBy(() -> Clients.device5(fx.broker.port(), "lc-1", registration.secret()))
                .isNotNull();
        Clients.device5(fx.broker.port(), "lc-1", rotated.secret()).disconnect();
    }

    @Test
    void deletingTheDevice_disconnectsIt_andDropsItsPersistentSession() throws Exception {
        Registration registration = fx.register("lc-2");
        Mqtt5BlockingClient client = persistent("lc-2", registration.secret());
        Inbox.subscribe(client, "device/lc-2/command");
        fx.registry.delete("lc-2");
        await().until(() -> !client.getState().isConnected());
        await().until(() -> Services.clientService().getSession("lc-2").get().isEmpty());
        assertThat(fx.registry.find(DeviceId.of("lc-2"))).isEmpty();
    }

    @Test
    void maintenance_sticksWhileTheDeviceComesAndGoes() {
        Registration registration = fx.register("lc-3");
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", "maintenance");
        fx.registry.update("lc-3", DevicePatch.of(patch));
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "lc-3", registration.secret());
        await().until(() -> fx.presence.isConnected(DeviceId.of("lc-3")));
        client.disconnect();
        await().until(() -> !fx.presence.isConnected(DeviceId.of("lc-3")));
        assertThat(fx.registry.get("lc-3").status()).isEqualTo(DeviceStatus.MAINTENANCE);
        patch.put("status", null);
        assertThat(fx.registry.update("lc-3", DevicePatch.of(patch)).status()).isEqualTo(DeviceStatus.OFFLINE);
    }

    @Test
    void lastSeen_movesWithAnyMessage_andReachesTheStore() {
        Registration registration = fx.register("lc-4");
        Mqtt5BlockingClient client = Clients.device5(fx.broker.port(), "lc-4", registration.secret());
        Instant before = Instant.now().minusMillis(1);
        Clients.publish(client, "device/lc-4/status", "online");
        assertThat(fx.registry.get("lc-4").lastSeen()).isAfterOrEqualTo(before);
        await().untilAsserted(() -> assertThat(fx.store
                        .devices()
                        .find(DeviceId.of("lc-4"))
                        .orElseThrow()
                        .lastSeen())
                .as("written by the coalescing flush")
                .isAfterOrEqualTo(before));
    }

    @Test
    void lastSeen_movesWhenTelemetryPublishedForADevice_isStored_evenThoughTheDeviceNeverConnected() {
        fx.register("lc-5");
        assertThat(fx.registry.get("lc-5").lastSeen()).isNull();
        Mqtt5BlockingClient gateway = Clients.v5(fx.broker.port(), "gateway-1");
        gateway.connectWith()
                .simpleAuth()
                .username("gateway")
                .password("gateway-secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        Instant before = Instant.now().minusMillis(1);
        assertThat(Clients.publish(gateway, "sensor/lc-5/telemetry", """
                {"values":{"t":1}}""").isError())
                .as("stored (0x10 when nobody subscribes)")
                .isFalse();
        await().untilAsserted(
                        () -> assertThat(fx.registry.get("lc-5").lastSeen()).isAfterOrEqualTo(before));
        await().untilAsserted(() -> assertThat(fx.store
                        .devices()
                        .find(DeviceId.of("lc-5"))
                        .orElseThrow()
                        .lastSeen())
                .as("written by the coalescing flush")
                .isAfterOrEqualTo(before));
        gateway.disconnect();
    }
}
