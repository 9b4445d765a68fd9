package io.edgeward.mqtt.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.mqtt.MqttUser;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrincipalTest {

    private final Principal device = new Principal.Device(DeviceId.of("dev-1"), DeviceType.SENSOR);

    @ParameterizedTest(name = "device dev-1 publishes {0}: {1}")
    @CsvSource({
        "sensor/dev-1/telemetry, true",
        "sensor/dev-1/telemetry/pb, true",
        "device/dev-1/status, true",
        "sensor/dev-1, true",
        "sensor/dev-10/telemetry, false",
        "sensor/dev-/telemetry, false",
        "sensor/dev-2/telemetry, false",
        "device/dev-1x/status, false",
        "other/dev-1/telemetry, false",
        "sensor, false",
        "device/dev-1/shadow/update, true",
        "device/dev-1/shadow/get, true",
        "device/dev-1/response, true",
        "device/dev-1/command, false",
        "device/dev-1/shadow/update/delta, false",
        "device/dev-1/shadow/update/documents, false",
        "device/dev-1/shadow/get/accepted, false",
        "device/dev-1/shadow/update/anything-the-platform-adds, false",
    })
    void device_publishesOnlyUnderItsOwnId(String topic, boolean allowed) {
        assertThat(device.mayPublish(topic)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "device dev-1 subscribes {0}: {1}")
    @CsvSource({
        "device/dev-1/#, true",
        "device/dev-1/command, true",
        "$share/g/device/dev-1/command, true",
        "device/+/command, false",
        "#, false",
        "sensor/dev-10/#, false",
    })
    void device_subscribesOnlyUnderItsOwnId(String filter, boolean allowed) {
        assertThat(device.maySubscribe(filter)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "user publishes {0}: {1}")
    @CsvSource({"apps/dash/state, true", "apps/other/state, false", "apps/c-1/x, true", "sensor/a/telemetry, false"})
    void user_patternsExpandUsernameAndClientId(String topic, boolean allowed) {
        Principal user = new Principal.User(
                new MqttUser("dash", "password", List.of("apps/%u/#", "apps/%c/#"), List.of()), "c-1");
        assertThat(user.mayPublish(topic)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "anonymous publishes {0}: {1}")
    @CsvSource({"anything/else, true", "sensor/x/telemetry, false", "device/x/status, false", "sensors/x, true"})
    void anonymous_staysOutOfDeviceNamespaces(String topic, boolean allowed) {
        assertThat(new Principal.Anonymous().mayPublish(topic)).isEqualTo(allowed);
    }
}
