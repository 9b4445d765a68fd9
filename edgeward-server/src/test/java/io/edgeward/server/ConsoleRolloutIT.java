package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's rollouts, clicked through in headless Chromium: an operator uploads a release,
 * starts a rollout with a canary that waits for approval, pauses and resumes it, approves the next
 * wave once the canary updated, and cancels it; the page shows a bar per wave.
 */
class ConsoleRolloutIT {

    @TempDir
    Path dir;

    Node node;
    Browser browser;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(
                ExternalProcess.onPath("chromium"),
                "chromium not installed (apt-get install chromium); skipping the console rollout test");
        node = new Node(dir.resolve("node"), Map.of());
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (node != null) {
            node.close();
        }
    }

    JsonNode rollout() throws Exception {
        return node.get("/api/v1/rollouts").path("rollouts").get(0);
    }

    /** Clicks, after clearing the line where the page answers, so that a wait reads this click's answer. */
    void click(String selector) throws Exception {
        browser.evaluate("document.getElementById('rollout-result').textContent = '';" + "document.querySelector('"
                + selector + "').click(); true");
    }

    @Test
    void anOperatorUploadsStartsPausesApprovesAndCancels_andSeesEachWave() throws Exception {
        Map<String, String> secrets = new HashMap<>();
        for (String id : new String[] {"lab-1", "lab-2", "lab-3"}) {
            HttpResponse<String> reply = node.send(
                    "POST",
                    "/api/v1/devices",
                    "{\"device_id\":\"" + id
                            + "\",\"model\":\"T100\",\"firmware_version\":\"1.0.0\",\"tags\":[\"lab\"]}");
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
            secrets.put(
                    id,
                    Node.JSON.readTree(reply.body()).at("/credentials/password").asText());
        }
        Path image = Files.write(dir.resolve("t100-2.0.0.bin"), new byte[64 * 1024]);
        browser = new Browser(dir.resolve("chromium"), "http://127.0.0.1:" + node.httpPort + "/#token=" + node.token);
        browser.until(
                "document.getElementById('app') && !document.getElementById('app').hidden", Duration.ofSeconds(20));

        browser.setFiles("#firmware-file", image);
        browser.evaluate("document.getElementById('firmware-model').value = 'T100';"
                + "document.getElementById('firmware-version').value = '2.0.0'; true");
        click("#firmware-send");
        browser.until(
                "document.getElementById('firmware-result').textContent.startsWith('added T100 2.0.0')",
                Duration.ofSeconds(20));
        assertThat(node.get("/api/v1/firmware").at("/firmware/0/filename").asText())
                .isEqualTo("t100-2.0.0.bin");

        browser.evaluate("document.getElementById('rollout-tags').value = 'lab';"
                + "document.getElementById('rollout-canary').value = '1';"
                + "document.getElementById('rollout-manual').checked = true; true");
        click("#rollout-create");
        browser.until(
                "document.getElementById('rollout-create-result').textContent.startsWith('started')",
                Duration.ofSeconds(20));
        JsonNode started = rollout();
        assertThat(started.path("status").asText()).isEqualTo("running");
        assertThat(started.path("devices").asInt()).isEqualTo(3);
        String row = "#rollout-" + started.path("id").asText();
        browser.until("document.querySelectorAll('" + row + " progress').length === 2", Duration.ofSeconds(20));

        click(row + " .rollout-pause");
        browser.until("document.querySelector('" + row + " .rollout-resume') !== null", Duration.ofSeconds(20));
        assertThat(rollout().path("status").asText()).isEqualTo("paused");
        click(row + " .rollout-resume");
        browser.until("document.querySelector('" + row + " .rollout-pause') !== null", Duration.ofSeconds(20));
        assertThat(rollout().path("status").asText()).isEqualTo("running");

        // The canary device updates (as it would over MQTT; here through its own HTTP resource).
        JsonNode job = node.get("/api/v1/rollouts/" + started.path("id").asText() + "/jobs?status=pending")
                .path("jobs")
                .get(0);
        HttpResponse<String> done = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.httpPort
                                        + "/ota/v1/jobs/" + job.path("id").asText() + "/progress"))
                                .header(
                                        "Authorization",
                                        "TargetToken "
                                                + secrets.get(
                                                        job.path("device_id").asText()))
                                .header("Content-Type", "application/json")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"status\":\"completed\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);

        browser.until("document.querySelector('" + row + " .rollout-approve') !== null", Duration.ofSeconds(20));
        assertThat(browser.evaluate("document.querySelector('" + row + " progress').value")
                        .asInt())
                .as("the canary's bar is full")
                .isEqualTo(1);
        click(row + " .rollout-approve");
        browser.until(
                "document.getElementById('rollout-result').textContent.endsWith('running')", Duration.ofSeconds(20));
        assertThat(rollout().path("current_wave").asInt()).isEqualTo(2);

        click(row + " .rollout-cancel");
        browser.until(
                "document.getElementById('rollout-result').textContent.endsWith('canceled')", Duration.ofSeconds(20));
        assertThat(rollout().path("status").asText()).isEqualTo("canceled");
        assertThat(rollout().at("/states/canceled").asInt()).isEqualTo(2);
    }
}
