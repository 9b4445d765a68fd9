package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser: headless Chromium loads it against a running node and the
 * test reads the DOM its scripts built. Skipped with a message when Chromium is not installed;
 * .ci/run installs it.
 */
class ConsoleIT {

    @TempDir
    static Path dir;

    static Node node;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(
                ExternalProcess.onPath("chromium"),
                "chromium not installed (apt-get install chromium); skipping the console test");
        node = new Node(dir, Map.of());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** The DOM after the page's scripts ran, as headless Chromium dumps it. */
    private String render() throws Exception {
        Path dom = dir.resolve("dom.html");
        Process chromium = new ProcessBuilder(List.of(
                        "chromium",
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--user-data-dir=" + dir.resolve("chromium-profile"),
                        "--virtual-time-budget=10000",
                        "--dump-dom",
                        // The token travels in the fragment, which is never sent to the server.
                        "http://127.0.0.1:" + node.httpPort + "/#token=" + node.token))
                .redirectOutput(dom.toFile())
                .redirectError(dir.resolve("chromium.log").toFile())
                .start();
        if (!chromium.waitFor(60, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s");
        }
        return Files.readString(dom);
    }

    private long shadowVersion() throws Exception {
        HttpResponse<String> shadow = node.send("GET", "/api/v1/devices/console-1/shadow", null);
        assertThat(shadow.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(shadow.body()).get("version").asLong();
    }

    @Test
    void console_showsDevicesTheirHistoryShadowAndCommands() throws Exception {
        String password = node.register("console-1");
        assertThat(node.send("PUT", "/api/v1/processing", """
                {"author": "console-it",
                 "filters": [{"name": "temp-band", "match": {"metric": "temperature"}, "deadband": {"absolute": 0.5}}],
                 "windows": [{"name": "vib_1m", "match": {"metric": "vibration"}, "size": "1m",
                              "functions": ["mean", "max"]}]}""").statusCode()).isEqualTo(200);
        assertThat(node.send("POST", "/api/v1/rules", """
                {"id": "console-hot", "metric": "temperature", "condition": "value > 23", "clear": "value < 0",
                 "actions": [{"type": "alarm", "severity": "critical"}]}""").statusCode()).isEqualTo(201);
        Mqtt5BlockingClient device = MqttClient.builder()
                .useMqttVersion5()
                .identifier("console-1")
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort)
                .buildBlocking();
        device.connectWith()
                .simpleAuth()
                .username("console-1")
                .password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 20; i++) {
            device.publishWith()
                    .topic("sensor/console-1/telemetry")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"ts\":" + (now - 60_000 + i * 3_000) + ",\"values\":{\"temperature\":" + (20 + i % 5)
                                    + "}}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send();
        }
        device.publishWith()
                .topic("device/console-1/log")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"level\": \"warn\", \"message\": \"fan bearing noisy\"}".getBytes(StandardCharsets.UTF_8))
                .send();
        device.disconnect();
        assertThat(node.send("PATCH", "/api/v1/devices/console-1/shadow", """
                {"state":{"desired":{"fan_speed":3}}}""").statusCode())
                .isEqualTo(200);
        assertThat(node.send("POST", "/api/v1/devices/console-1/commands", """
                {"type":"reboot_now"}""").statusCode())
                .isEqualTo(202);

        long versionBefore = shadowVersion();
        String dom = render();
        long versionAfter = shadowVersion();
        assertThat(dom).contains("console-1", "offline");
        assertThat(dom)
                .as("the history chart of the stored metric, drawn by the vendored uPlot")
                .contains("<option value=\"temperature\">temperature</option>")
                .contains("class=\"uplot")
                .contains("temperature (avg)")
                .contains("from raw, 30 s buckets")
                .containsPattern("id=\"history-note\">\\d+ buckets<");
        assertThat(dom).as("the shadow's desired state and its delta").contains("fan_speed");
        // The telemetry above is folded into reported in one or more updates, each a version, some
        // perhaps while the page renders: the page shows the version current at some moment of it.
        Matcher shown = Pattern.compile("id=\"shadow-version\">version (\\d+)<").matcher(dom);
        assertThat(shown.find()).as("a shadow version is shown").isTrue();
        assertThat(Long.parseLong(shown.group(1))).isBetween(versionBefore, versionAfter);
        assertThat(dom).as("the queued command").contains("reboot_now").contains("queued");
        assertThat(dom)
                .as("the device's log")
                .contains("<td class=\"s-maintenance\">warn</td><td>fan bearing noisy</td>");
        assertThat(dom)
                .as("the storage overview: each level's retention, the space in use")
                .contains("<td>raw</td><td>30d</td>")
                .contains("<td>1m</td><td>1y</td>")
                .contains("<td>1d</td><td>forever</td>")
                .containsPattern("id=\"storage-used\">[0-9.]+ MiB used, no disk budget<")
                .contains("no overrides");
        assertThat(dom)
                .as("the processing configuration in force, with its version and author")
                .contains("<td>temp-band</td><td>filter</td>")
                .contains("deadband {\"absolute\":0.5}")
                .contains("<td>vib_1m</td><td>window</td>")
                .contains("window 1m: mean, max")
                .contains("id=\"processing-version\">version 1 by console-it<");
        assertThat(dom)
                .as("the open alarm, in its severity's colour, and the rule that raised it")
                .containsPattern("<td class=\"sev sev-critical\">critical</td><td>console-1</td><td>console-hot</td>")
                .contains("<button>Ack</button><button>Clear</button>")
                .contains("id=\"alarm-counts\">1 active<")
                .contains("<td>console-hot</td><td class=\"muted\">temperature: value &gt; 23</td>");
        assertThat(dom)
                .as("the rule editor, loaded with the first rule and checked by the server as saving would")
                .contains("id=\"rule-check\" class=\"muted\">valid<");
        assertThat(dom).as("no login error shown").contains("<p class=\"error\" id=\"login-error\"></p>");
    }
}
