package io.edgeward.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.config.Config;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionSettingsTest {

    static Device device(String id, DeviceType type, String... tags) {
        return new Device(
                DeviceId.of(id),
                null,
                type,
                null,
                null,
                DeviceStatus.OFFLINE,
                null,
                null,
                Instant.EPOCH,
                Map.of(),
                Set.of(tags));
    }

    @Test
    void defaults_areTheIssuesPeriods() {
        RetentionPolicy policy = RetentionSettings.from(Config.defaults()).defaults();
        assertThat(policy.of(Level.RAW)).isEqualTo(Duration.ofDays(30));
        assertThat(policy.of(Level.MINUTE)).isEqualTo(Duration.ofDays(365));
        assertThat(policy.of(Level.HOUR)).isEqualTo(Duration.ofDays(5 * 365));
        assertThat(policy.of(Level.DAY)).isEqualTo(RetentionPolicy.FOREVER);
        assertThat(policy.cutoff(Level.DAY, 1_000)).isEqualTo(Long.MIN_VALUE);
        assertThat(policy.cutoff(Level.RAW, 40L * 86_400_000)).isEqualTo(10L * 86_400_000);
    }

    @Test
    void overrides_matchByGlobTypeAndTag_andTheFirstNamingALevelWins() {
        RetentionSettings settings = RetentionSettings.from(Config.defaults()
                .with(
                        RetentionSettings.OVERRIDES,
                        RetentionSettings.OVERRIDES.parser().parse("""
                        [{"match": {"metric": "vibration*"}, "raw": "7d"},
                         {"match": {"tag": "lab", "type": "actuator"}, "raw": "1d", "1m": "30d"},
                         {"match": {"device": "pump-*"}, "raw": "2d", "1h": "forever"}]""")));
        assertThat(settings.policyFor(device("pump-1", DeviceType.SENSOR), "vibration_rms")
                        .of(Level.RAW))
                .isEqualTo(Duration.ofDays(7));
        RetentionPolicy pump = settings.policyFor(device("pump-1", DeviceType.SENSOR), "t");
        assertThat(pump.of(Level.RAW)).isEqualTo(Duration.ofDays(2));
        assertThat(pump.of(Level.HOUR)).isEqualTo(RetentionPolicy.FOREVER);
        assertThat(pump.of(Level.MINUTE)).as("not named: the default").isEqualTo(Duration.ofDays(365));
        RetentionPolicy lab = settings.policyFor(device("valve", DeviceType.ACTUATOR, "lab"), "t");
        assertThat(lab.of(Level.MINUTE)).isEqualTo(Duration.ofDays(30));
        assertThat(settings.policyFor(device("valve", DeviceType.SENSOR, "lab"), "t")
                        .of(Level.RAW))
                .as("type differs")
                .isEqualTo(Duration.ofDays(30));
    }

    @Test
    void badOverrides_areRefused_everyProblemAtOnce() {
        String overrides = """
                        [{"raw": "7d"},
                         {"match": {"metric": "x", "colour": "red"}, "raw": "soon"},
                         {"match": {"metric": "y"}, "5m": "1d"},
                         {"match": {"metric": "z"}, "raw": "10m"}]""";
        assertThatThrownBy(() -> RetentionSettings.OVERRIDES.parser().parse(overrides))
                .hasMessageContaining("[0]: match is required")
                .hasMessageContaining("[1].match: unknown field 'colour'")
                .hasMessageContaining("[1].raw: not a duration")
                .hasMessageContaining("[2].5m: unknown level")
                .hasMessageContaining("[3].raw: must be at least 1h");
    }

    @Test
    void periodsAndBudget_parse() {
        assertThat(RetentionSettings.parsePeriod("forever")).isEqualTo(RetentionPolicy.FOREVER);
        assertThat(RetentionSettings.parsePeriod("52w")).isEqualTo(Duration.ofDays(364));
        assertThatThrownBy(() -> RetentionSettings.parsePeriod("30s")).hasMessageContaining("at least 1h");
        assertThat(RetentionSettings.from(Config.defaults()
                                .with(
                                        RetentionSettings.MAX_DISK,
                                        RetentionSettings.MAX_DISK.parser().parse("20GiB")))
                        .maxDisk())
                .isEqualTo(20L << 30);
        assertThat(RetentionSettings.from(Config.defaults()).maxDisk()).isZero();
    }
}
