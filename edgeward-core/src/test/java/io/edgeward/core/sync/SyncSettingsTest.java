package io.edgeward.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyncSettingsTest {

    private static Config config(Map<String, String> values) {
        return new Config() {
            @Override
            public <T> T get(Key<T> key) {
                return key.parser().parse(values.getOrDefault(key.name(), key.defaultValue()));
            }
        };
    }

    @Test
    void defaults_areNoRole_lowRawStream_gzip() {
        SyncSettings settings = SyncSettings.from(config(Map.of()));
        assertThat(settings.edge()).isFalse();
        assertThat(settings.cloud()).isFalse();
        assertThat(settings.raw()).isEqualTo(Priority.LOW);
        assertThat(settings.reduced()).isEqualTo(Priority.MEDIUM);
        assertThat(settings.logs()).isEqualTo(Priority.LOW);
        assertThat(settings.compression()).isEqualTo(SyncSettings.Compression.GZIP);
        assertThat(settings.interval(Priority.MEDIUM)).hasMinutes(5);
        assertThat(settings.interval(Priority.LOW)).hasHours(1);
    }

    @Test
    void edge_needsAnIdAndAnUplink_andBothRolesParse() {
        assertThatThrownBy(() -> SyncSettings.from(config(Map.of("sync.role", "edge"))))
                .hasMessageContaining("sync.edge-id is required")
                .hasMessageContaining("sync.uplink.url is required");
        SyncSettings both = SyncSettings.from(config(Map.of(
                "sync.role", "edge,cloud", "sync.edge-id", "site-1", "sync.uplink.url", "nats://region.example:4222")));
        assertThat(both.edge()).isTrue();
        assertThat(both.cloud()).isTrue();
        assertThat(both.uplink().nats()).isTrue();
        assertThat(both.uplink().url()).isEqualTo(new SyncSettings.Endpoint("nats", "region.example", 4222));
        assertThat(SyncSettings.Endpoint.parse("mqtts://cloud").port()).isEqualTo(8883);
        assertThatThrownBy(() -> SyncSettings.UPLINK_URL.parser().parse("http://x:1"))
                .hasMessageContaining("mqtt://");
        assertThatThrownBy(() -> SyncSettings.from(config(Map.of("sync.receive.nats-url", "nats://x:4222"))))
                .hasMessageContaining("needs sync.role cloud");
    }

    @Test
    void eachRecordKind_goesOnTheStreamItsKeySays() {
        SyncSettings settings = SyncSettings.from(config(
                Map.of("sync.forward.raw", "none", "sync.forward.reduced", "high", "sync.forward.logs", "medium")));
        assertThat(settings.raw()).isEqualTo(Priority.NONE);
        assertThat(settings.reduced()).isEqualTo(Priority.HIGH);
        assertThat(settings.logs()).isEqualTo(Priority.MEDIUM);
        assertThatThrownBy(() -> SyncSettings.from(config(Map.of("sync.forward.logs", "urgent"))))
                .hasMessageContaining("urgent");
        var line = new io.edgeward.core.logs.LogEntry(
                1, DeviceId.of("d"), 1, io.edgeward.core.logs.LogLevel.INFO, "x", null, null);
        assertThat(SyncCodec.logs(java.util.List.of(line), Priority.MEDIUM))
                .singleElement()
                .extracting(OutboxSegment::priority)
                .isEqualTo(Priority.MEDIUM);
        assertThat(SyncCodec.logs(java.util.List.of(line), Priority.NONE)).isEmpty();
    }

    @Test
    void overrides_theFirstThatSelectsASeriesWins_byMetricOrTag() {
        var rules = SyncSettings.FORWARD_OVERRIDES.parser().parse("""
                [{"match": {"metric": "alarm_*"}, "priority": "high"},
                 {"match": {"tag": "noisy"}, "priority": "none"},
                 {"match": {"metric": "*"}, "priority": "medium"}]""");
        Device noisy = new Device(
                DeviceId.of("d"),
                null,
                DeviceType.SENSOR,
                null,
                null,
                DeviceStatus.ONLINE,
                null,
                null,
                Instant.EPOCH,
                Map.of(),
                Set.of("noisy"));
        assertThat(rules.get(0).matches(noisy, "alarm_level")).isTrue();
        assertThat(rules.get(1).matches(noisy, "temperature")).isTrue();
        assertThat(rules.get(1).priority()).isEqualTo(Priority.NONE);
        assertThatThrownBy(() -> SyncSettings.FORWARD_OVERRIDES
                        .parser()
                        .parse("[{\"match\": {\"metrc\": \"x\"}, \"priority\": \"urgent\"}]"))
                .hasMessageContaining("[0].match: unknown field 'metrc'")
                .hasMessageContaining("[0].priority");
    }
}
