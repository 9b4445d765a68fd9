package io.edgeward.mqtt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicsTest {

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "sensor/a/#, sensor/a/telemetry, true",
        "sensor/a/#, sensor/a, true",
        "sensor/a/#, sensor/a/x/y, true",
        "sensor/a/#, sensor/b/telemetry, false",
        "sensor/a/#, sensor/+/telemetry, false",
        "sensor/a/#, sensor/#, false",
        "sensor/a/#, sensor/a/+, true",
        "sensor/a/#, sensor/a/#, true",
        "sensor/+/telemetry, sensor/b/telemetry, true",
        "sensor/+/telemetry, sensor/+/telemetry, true",
        "sensor/+/telemetry, sensor/#, false",
        "sensor/+/telemetry, sensor/b/telemetry/pb, false",
        "#, anything/at/all, true",
        "#, $SYS/broker, false",
        "+/x, $SYS/x, false",
        "a/b, a/b, true",
        "a/b, a/b/c, false",
        "a/b/c, a/b, false",
    })
    void covers(String pattern, String filter, boolean expected) {
        assertThat(Topics.covers(pattern, filter)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"$share/g/sensor/a/x, sensor/a/x", "sensor/a/x, sensor/a/x", "$share/grp/#, #"})
    void unshared_stripsSharedSubscriptionPrefix(String filter, String expected) {
        assertThat(Topics.unshared(filter)).isEqualTo(expected);
    }
}
