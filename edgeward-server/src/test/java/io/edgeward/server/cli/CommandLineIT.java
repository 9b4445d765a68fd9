package io.edgeward.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.server.Edgeward;
import io.edgeward.server.config.Configuration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a running node: what an operator types and reads. */
class CommandLineIT {

    @TempDir
    static Path dir;

    static Edgeward node;

    @BeforeAll
    static void start() {
        node = new Edgeward(Configuration.load(
                null,
                Map.of(),
                Map.of(
                        "data-dir",
                        dir.toString(),
                        "mqtt.port",
                        "0",
                        "http.port",
                        "0",
                        "coap.port",
                        "0",
                        "coap.dtls-port",
                        "0",
                        "coap.bind-address",
                        "127.0.0.1",
                        "mqtt.bind-address",
                        "127.0.0.1",
                        "http.bind-address",
                        "127.0.0.1")));
        node.start();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    record Run(int exitCode, String out, String err) {}

    static synchronized Run edgeward(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.commandLine().execute(args);
            return new Run(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void help_listsTheCommands() {
        Run help = edgeward("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("run", "device", "firmware", "rollout", "simulate", "config");
        assertThat(edgeward("run", "--help").out())
                .contains("--data-dir", "--mqtt-port", "--http-port", "--coap-port", "--coaps-port", "--config");
    }

    @Test
    void deviceAdd_readsPortsAndTokenFromTheDataDir_andPrintsCredentialsOnce() throws Exception {
        Run add = edgeward("device", "add", "cli-1", "--type", "gateway", "--data-dir", dir.toString());
        assertThat(add.exitCode()).as(add.err()).isZero();
        assertThat(add.out()).contains("Registered cli-1 (gateway)", "MQTT username:  cli-1", "MQTT password:  ");
        Run again = edgeward("device", "add", "cli-1", "--data-dir", dir.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("409").contains("already exists");
        Run list = edgeward("device", "list", "--data-dir", dir.toString());
        assertThat(list.out()).contains("cli-1").contains("gateway");
    }

    @Test
    void deviceList_filters_rotate_andDelete() {
        String data = dir.toString();
        assertThat(edgeward(
                                "device",
                                "add",
                                "cli-f1",
                                "--type",
                                "actuator",
                                "--name",
                                "Kitchen valve",
                                "--tag",
                                "kitchen",
                                "--data-dir",
                                data)
                        .exitCode())
                .isZero();
        assertThat(edgeward("device", "add", "cli-f2", "--type", "actuator", "--tag", "hall", "--data-dir", data)
                        .exitCode())
                .isZero();
        Run filtered = edgeward("device", "list", "--type", "actuator", "--tag", "kitchen", "--data-dir", data);
        assertThat(filtered.out()).contains("cli-f1").doesNotContain("cli-f2");
        assertThat(edgeward("device", "list", "-q", "KITCHEN", "--data-dir", data)
                        .out())
                .contains("cli-f1")
                .doesNotContain("cli-f2");
        Run bad = edgeward("device", "list", "--status", "asleep", "--data-dir", data);
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("400", "unknown device status");

        Run rotate = edgeward("device", "rotate", "cli-f1", "--data-dir", data);
        assertThat(rotate.exitCode()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("New credentials for cli-f1", "MQTT password:  ");
        assertThat(edgeward("device", "rotate", "nobody", "--data-dir", data).err())
                .contains("404");

        assertThat(edgeward("device", "delete", "cli-f2", "--data-dir", data).exitCode())
                .as("needs --yes")
                .isEqualTo(2);
        assertThat(edgeward("device", "delete", "cli-f2", "--yes", "--data-dir", data)
                        .exitCode())
                .isZero();
        assertThat(edgeward("device", "list", "--data-dir", data).out()).doesNotContain("cli-f2");
    }

    @Test
    void firmwareAdd_uploadsWithProgress_list_andDelete() throws Exception {
        String data = dir.toString();
        Path image = Files.write(dir.resolve("t100-2.1.0.bin"), new byte[300_000]);
        Run add = edgeward(
                "firmware",
                "add",
                image.toString(),
                "--version",
                "2.1.0",
                "--model",
                "T100",
                "--meta",
                "board=rev-b",
                "--data-dir",
                data);
        assertThat(add.exitCode()).as(add.err()).isZero();
        assertThat(add.err()).contains("Uploading t100-2.1.0.bin: 10 %").contains("100 % (300,000 of 300,000 bytes)");
        assertThat(add.out())
                .contains("T100 2.1.0, 300000 bytes, sha256 "
                        + java.util.HexFormat.of()
                                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                        .digest(new byte[300_000])))
                .contains("Signed manifest: {\"version\":\"2.1.0\",\"model\":\"T100\"");
        String id = add.out().substring(add.out().indexOf("fw-"), add.out().indexOf(':'));

        Run again = edgeward(
                "firmware", "add", image.toString(), "--version", "2.1.0", "--model", "T100", "--data-dir", data);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("409").contains("already has a release of version 2.1.0");
        assertThat(edgeward(
                                "firmware",
                                "add",
                                image.toString(),
                                "--version",
                                "two",
                                "--model",
                                "T100",
                                "--data-dir",
                                data)
                        .err())
                .contains("400")
                .contains("not a semantic version");

        assertThat(edgeward("firmware", "list", "--model", "T100", "--data-dir", data)
                        .out())
                .contains(id)
                .contains("2.1.0")
                .contains("300,000");
        for (String device : List.of("cli-t1", "cli-t2", "cli-t3")) {
            assertThat(edgeward("device", "add", device, "--model", "T100", "--tag", "lab", "--data-dir", data)
                            .exitCode())
                    .isZero();
        }
        Run rollout =
                edgeward("rollout", "create", id, "--tag", "lab", "--canary", "1", "--manual", "--data-dir", data);
        assertThat(rollout.exitCode()).as(rollout.err()).isZero();
        assertThat(rollout.out()).contains(" running, wave 1 of 2, 3 device(s)").contains("wave 1   [....");
        var matcher = java.util.regex.Pattern.compile("ro-[0-9a-f]{16}").matcher(rollout.out());
        assertThat(matcher.find()).as(rollout.out()).isTrue();
        String rolloutId = matcher.group();
        assertThat(edgeward("rollout", "list", "--data-dir", data).out())
                .contains(rolloutId)
                .contains("1/2");
        Run approveTooEarly = edgeward("rollout", "approve", rolloutId, "--data-dir", data);
        assertThat(approveTooEarly.exitCode()).isEqualTo(1);
        assertThat(approveTooEarly.err()).contains("409", "only one waiting for approval");
        Run inUse = edgeward("firmware", "delete", id, "--data-dir", data);
        assertThat(inUse.exitCode()).isEqualTo(1);
        assertThat(inUse.err()).contains("409", "cancel it first");
        assertThat(edgeward("rollout", "cancel", rolloutId, "--data-dir", data).out())
                .contains(rolloutId + " canceled");
        Run delete = edgeward("firmware", "delete", id, "--data-dir", data);
        assertThat(delete.exitCode()).as(delete.err()).isZero();
        assertThat(edgeward("firmware", "list", "--data-dir", data).out()).doesNotContain(id);
    }

    @Test
    void deviceAdd_withAWrongToken_isRefusedClearly() {
        Run add =
                edgeward("device", "add", "cli-2", "--data-dir", dir.toString(), "--token", "wrong-token-wrong-token");
        assertThat(add.exitCode()).isEqualTo(1);
        assertThat(add.err()).contains("401");
    }

    @Test
    void run_withInvalidConfiguration_listsEveryProblem_andExits2() {
        Run run = edgeward(
                "run",
                "--data-dir",
                dir.resolve("other").toString(),
                "--mqtt-port",
                "x",
                "--http-port",
                "99999",
                "--set",
                "telemetry.max-future-skew=never");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("Invalid configuration (3 problems)", "mqtt.port", "http.port", "telemetry.max-future-skew");
        assertThat(Files.exists(dir.resolve("other"))).isFalse();
    }

    @Test
    void config_printsTheReferenceWithVariables() {
        Run config = edgeward("config");
        assertThat(config.out())
                .contains(
                        "mqtt.allow-anonymous",
                        "EDGEWARD_MQTT_ALLOW_ANONYMOUS",
                        "store.url",
                        "EDGEWARD_STORE_URL",
                        "mqtt.users");
    }

    @Test
    void simulate_provisionsDevices_publishes_andSummarises() throws Exception {
        Run simulate = edgeward(
                "simulate",
                "--devices",
                "3",
                "--rate",
                "30/s",
                "--duration",
                "3s",
                "--data-dir",
                dir.toString(),
                "--prefix",
                "clisim-",
                "--summary-json",
                dir.resolve("summary.json").toString());
        assertThat(simulate.exitCode()).as(simulate.out() + simulate.err()).isZero();
        assertThat(simulate.out()).contains("Provisioned 3 new device(s)", "Summary: 3 devices");
        var summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("errors").asLong()).isZero();
        assertThat(summary.get("acked").asLong())
                .isEqualTo(summary.get("sent").asLong())
                .isGreaterThan(50);
        // A second run reuses the stored credentials instead of failing on existing devices.
        // ... and a warm-up publishes the same way but stays out of the summary: 2 s of warm-up and
        // 1 s measured at 30/s count about 30 messages, not 90.
        Run again = edgeward(
                "simulate",
                "--devices",
                "3",
                "--rate",
                "30/s",
                "--warmup",
                "2s",
                "--duration",
                "1s",
                "--data-dir",
                dir.toString(),
                "--prefix",
                "clisim-",
                "--summary-json",
                dir.resolve("again.json").toString());
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("Provisioned 0 new device(s)", "Warming up for", "Warm-up done");
        var measured = new ObjectMapper().readTree(dir.resolve("again.json").toFile());
        assertThat(measured.get("sent").asLong()).isBetween(20L, 40L);
        assertThat(measured.get("acked").asLong())
                .isEqualTo(measured.get("sent").asLong());
    }
}
