package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    @Test
    void console_showsDevicesTheirShadowAndCommands() throws Exception {
        node.register("console-1");
        assertThat(node.send("PATCH", "/api/v1/devices/console-1/shadow", """
                {"state":{"desired":{"fan_speed":3}}}""").statusCode())
                .isEqualTo(200);
        assertThat(node.send("POST", "/api/v1/devices/console-1/commands", """
                {"type":"reboot_now"}""").statusCode())
                .isEqualTo(202);

        String dom = render();
        assertThat(dom).contains("console-1", "offline");
        assertThat(dom)
                .as("the shadow's desired state and its delta")
                .contains("fan_speed")
                .contains("version 1");
        assertThat(dom).as("the queued command").contains("reboot_now").contains("queued");
        assertThat(dom).as("no login error shown").contains("<p class=\"error\" id=\"login-error\"></p>");
    }
}
