package io.edgeward.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DevicePatchTest {

    static final Device DEVICE = new Device(
            DeviceId.of("d1"),
            "Name",
            DeviceType.SENSOR,
            "TH-1",
            "1.0",
            DeviceStatus.ONLINE,
            "lab",
            null,
            Instant.EPOCH,
            Map.of("floor", 2, "net", Map.of("ssid", "a", "ch", 1)),
            Set.of("a"));

    static Map<String, Object> body(Object... pairs) {
        Map<String, Object> body = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            body.put((String) pairs[i], pairs[i + 1]);
        }
        return body;
    }

    @Test
    void absentStays_nullClears_metadataMerges_tagsReplace() {
        Device patched = DevicePatch.of(body(
                        "name",
                        "New",
                        "location",
                        null,
                        "metadata",
                        body("floor", null, "net", Map.of("ch", 6)),
                        "tags",
                        List.of("x", "y")))
                .applyTo(DEVICE);
        assertThat(patched.name()).isEqualTo("New");
        assertThat(patched.location()).isNull();
        assertThat(patched.model()).isEqualTo("TH-1");
        assertThat(patched.metadata()).isEqualTo(Map.of("net", Map.of("ssid", "a", "ch", 6)));
        assertThat(patched.tags()).containsExactlyInAnyOrder("x", "y");
        assertThat(patched.status()).isEqualTo(DeviceStatus.ONLINE);
    }

    @Test
    void status_maintenanceOrErrorOrNull_only() {
        assertThat(DevicePatch.of(body("status", "maintenance")).status())
                .contains(Optional.of(DeviceStatus.MAINTENANCE));
        assertThat(DevicePatch.of(body("status", null)).status()).contains(Optional.empty());
        assertThat(DevicePatch.of(body("name", "x")).status()).isEmpty();
        assertThatThrownBy(() -> DevicePatch.of(body("status", "online")))
                .hasMessageContaining("follow the device's connection");
        assertThatThrownBy(() -> DevicePatch.of(body("status", "sleepy"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refuses_fixedFields_unknownFields_wrongTypes_andLimits() {
        assertThatThrownBy(() -> DevicePatch.of(Map.of())).hasMessageContaining("empty");
        assertThatThrownBy(() -> DevicePatch.of(body("type", "gateway"))).hasMessageContaining("cannot be changed");
        assertThatThrownBy(() -> DevicePatch.of(body("device_id", "x"))).hasMessageContaining("cannot be changed");
        assertThatThrownBy(() -> DevicePatch.of(body("colour", "red"))).hasMessageContaining("unknown field");
        assertThatThrownBy(() -> DevicePatch.of(body("name", 5))).hasMessageContaining("string");
        assertThatThrownBy(() -> DevicePatch.of(body("metadata", "x"))).hasMessageContaining("object");
        assertThatThrownBy(() -> DevicePatch.of(body("tags", List.of(1)))).hasMessageContaining("strings");
        assertThatThrownBy(() -> DevicePatch.of(body("tags", List.of("bad tag"))))
                .hasMessageContaining("invalid tag");
        assertThatThrownBy(() -> DevicePatch.of(body("name", "x".repeat(257)))).hasMessageContaining("longer than");
    }
}
