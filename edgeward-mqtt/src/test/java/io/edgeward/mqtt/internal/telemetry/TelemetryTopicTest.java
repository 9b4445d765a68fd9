package io.edgeward.mqtt.internal.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceId;
import org.junit.jupiter.api.Test;

class TelemetryTopicTest {

    @Test
    void parse_jsonAndProtobufTopics() {
        assertThat(TelemetryTopic.parse("sensor/dev-1/telemetry"))
                .isEqualTo(new TelemetryTopic(DeviceId.of("dev-1"), false));
        assertThat(TelemetryTopic.parse("sensor/dev-1/telemetry/pb"))
                .isEqualTo(new TelemetryTopic(DeviceId.of("dev-1"), true));
    }

    @Test
    void parse_otherTopicsAndInvalidIds_areNotTelemetry() {
        assertThat(TelemetryTopic.parse("sensor/dev-1/status")).isNull();
        assertThat(TelemetryTopic.parse("device/dev-1/telemetry")).isNull();
        assertThat(TelemetryTopic.parse("sensor/dev-1")).isNull();
        assertThat(TelemetryTopic.parse("sensor//telemetry")).isNull();
        assertThat(TelemetryTopic.parse("sensor/-bad/telemetry")).isNull();
        assertThat(TelemetryTopic.parse("sensor/" + "x".repeat(65) + "/telemetry"))
                .isNull();
    }
}
