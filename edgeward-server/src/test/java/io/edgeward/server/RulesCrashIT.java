package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.device.Thermostat;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of a {@code for:} period and of an {@code absent:} period: after the
 * restart each rule fires when its duration runs out counted from the point that started it, not
 * again from zero, and once: one alarm, one command, across a second kill.
 */
class RulesCrashIT {

    static final String RULES = """
            [{"id": "vib", "metric": "vibration", "condition": "value > 5", "for": "4s",
              "actions": [{"type": "alarm", "severity": "critical"}, {"type": "command", "command": "shutdown_machine"}]},
             {"id": "quiet", "metric": "temperature", "absent": "4s", "actions": [{"type": "alarm", "severity": "warning"}]}]""".replace("\n", " ");

    @TempDir
    Path dir;

    private PlatformProcess platform;

    @AfterEach
    void kill() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void sigkillInTheMiddleOfAForAndOfAnAbsentPeriod_firesAtTheRightTime_once() throws Exception {
        platform = new PlatformProcess(dir, Map.of("rules", RULES));
        platform.start();
        String id = "crash-rules-1";
        Thermostat device = new Thermostat("127.0.0.1", platform.mqttPort(), id, platform.register(id), "1.0.0", "lab");
        device.connect().get();
        long t = System.currentTimeMillis();
        device.measure(t, Map.of("vibration", 7.0, "temperature", 20.0)).get();
        device.disconnect();
        // Past the next one-second save of the rules' states, halfway through both periods.
        await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() >= t + 2_500);
        platform.kill();
        assertThat(System.currentTimeMillis())
                .as("killed before the periods ran out")
                .isLessThan(t + 4_000);

        platform.start();
        JsonNode vib = awaitAlarm(id, "vib");
        JsonNode quiet = awaitAlarm(id, "quiet");
        assertThat(vib.get("last_time").asText())
                .isEqualTo(Instant.ofEpochMilli(t + 4_000).toString());
        assertThat(vib.get("firing_id").asText()).isEqualTo("vib/" + id + "/" + (t + 4_000));
        assertThat(quiet.get("last_time").asText())
                .isEqualTo(Instant.ofEpochMilli(t + 4_000).toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> commands(id) == 1);

        platform.kill();
        platform.start();
        platform.get("/api/v1/rules"); // up again, rules loaded and caught up
        assertThat(platform.get("/api/v1/alarms?device=" + id).get("alarms")).hasSize(2);
        assertThat(awaitAlarm(id, "vib").get("count").asLong()).isEqualTo(1);
        assertThat(commands(id)).as("one firing, one command").isEqualTo(1);
    }

    private JsonNode awaitAlarm(String device, String rule) {
        return await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> platform.get("/api/v1/alarms?device=" + device + "&rule=" + rule)
                                .get("alarms"),
                        alarms -> alarms.size() == 1)
                .get(0);
    }

    private long commands(String device) throws Exception {
        int count = 0;
        for (JsonNode command :
                platform.get("/api/v1/devices/" + device + "/commands").get("items")) {
            if (command.get("type").asText().equals("shutdown_machine")) {
                count++;
            }
        }
        return count;
    }
}
