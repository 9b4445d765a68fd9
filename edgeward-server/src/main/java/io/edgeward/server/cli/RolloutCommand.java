package io.edgeward.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgeward rollout ...}: firmware rollouts from the command line, through the REST API. */
@Command(
        name = "rollout",
        mixinStandardHelpOptions = true,
        description = "Start, follow and steer firmware rollouts through a running node's API.",
        subcommands = {
            RolloutCommand.Create.class,
            RolloutCommand.ListRollouts.class,
            RolloutCommand.Show.class,
            RolloutCommand.Pause.class,
            RolloutCommand.Resume.class,
            RolloutCommand.Approve.class,
            RolloutCommand.Cancel.class
        })
final class RolloutCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Roll a release out to devices (by id or by tags), wave by wave. Prints the rollout.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FIRMWARE_ID", description = "The release (fw-…, see `firmware list`).")
        String firmwareId;

        @Option(names = "--device", paramLabel = "ID", description = "A device to update; repeatable.")
        List<String> devices;

        @Option(
                names = "--tag",
                paramLabel = "TAG",
                description = "Update devices with this tag; repeatable (all must match).")
        List<String> tags;

        @Option(names = "--type", description = "Only devices of this type.")
        String type;

        @Option(names = "--from-version", description = "Only devices running this version.")
        String fromVersion;

        @Option(names = "--name", description = "A name for the rollout.")
        String name;

        @Option(
                names = "--canary",
                defaultValue = "0",
                description = "Devices in a first wave of their own (default: ${DEFAULT-VALUE}).")
        int canary;

        @Option(
                names = "--wave",
                paramLabel = "N|N%",
                description =
                        "A wave's size, a count or a percentage of all targeted devices; repeatable (the last takes the rest).")
        List<String> waves;

        @Option(names = "--success-threshold", description = "Percent of a wave completed to go on (default: 100).")
        Integer successThreshold;

        @Option(
                names = "--error-threshold",
                description = "Percent of a wave failed above which it stops (default: 50).")
        Integer errorThreshold;

        @Option(names = "--manual", description = "Each next wave waits for `rollout approve`.")
        boolean manual;

        @Option(names = "--device-timeout", description = "A device silent this long fails its job (e.g. 30m).")
        String deviceTimeout;

        @Option(names = "--dynamic", description = "Devices that join the group later are updated too.")
        boolean dynamic;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = JSON.createObjectNode();
            body.put("firmware_id", firmwareId);
            if (name != null) {
                body.put("name", name);
            }
            if (devices != null) {
                devices.forEach(body.putArray("devices")::add);
            }
            if (tags != null) {
                tags.forEach(body.putArray("tags")::add);
            }
            if (type != null) {
                body.put("type", type);
            }
            if (fromVersion != null) {
                body.put("from_version", fromVersion);
            }
            ObjectNode plan = body.putObject("waves");
            plan.put("canary", canary);
            if (waves != null) {
                var groups = plan.putArray("groups");
                for (String wave : waves) {
                    ObjectNode group = groups.addObject();
                    if (wave.endsWith("%")) {
                        group.put("percent", Integer.parseInt(wave.substring(0, wave.length() - 1)));
                    } else {
                        group.put("count", Integer.parseInt(wave));
                    }
                }
            }
            if (successThreshold != null) {
                plan.put("success_threshold", successThreshold);
            }
            if (errorThreshold != null) {
                plan.put("error_threshold", errorThreshold);
            }
            plan.put("auto_advance", !manual);
            if (deviceTimeout != null) {
                body.put("device_timeout", deviceTimeout);
            }
            body.put("dynamic", dynamic);
            return target.refusing(client -> {
                JsonNode rollout = client.post("/api/v1/rollouts", JSON.writeValueAsString(body));
                print(rollout);
                for (JsonNode skipped : rollout.path("skipped")) {
                    System.out.println("  left out " + skipped.path("device_id").asText() + ": "
                            + skipped.path("reason").asText());
                }
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List rollouts, newest first.")
    static final class ListRollouts implements Callable<Integer> {
        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            return target.refusing(client -> {
                System.out.printf(
                        "%-20s %-17s %-6s %8s %9s %7s  %s%n",
                        "ID", "STATUS", "WAVE", "DEVICES", "COMPLETED", "FAILED", "NAME");
                for (JsonNode rollout : client.get("/api/v1/rollouts").path("rollouts")) {
                    JsonNode states = rollout.path("states");
                    System.out.printf(
                            "%-20s %-17s %-6s %8d %9d %7d  %s%n",
                            rollout.path("id").asText(),
                            rollout.path("status").asText(),
                            rollout.path("current_wave").asInt() + "/"
                                    + rollout.path("waves").asInt(),
                            rollout.path("devices").asInt(),
                            states.path("completed").asInt(),
                            states.path("failed").asInt()
                                    + states.path("rolled_back").asInt(),
                            rollout.path("name").asText());
                }
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A rollout with its waves' progress.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            return target.refusing(client -> print(client.get(path(id, ""))));
        }
    }

    /** One state change of a rollout: pause, resume, approve, cancel. */
    abstract static class Change implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        ApiTarget target;

        abstract String action();

        @Override
        public Integer call() throws Exception {
            return target.refusing(client -> print(client.post(path(id, "/" + action()), null)));
        }
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "No new wave starts; devices already updating go on.")
    static final class Pause extends Change {
        @Override
        String action() {
            return "pause";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused or stopped rollout.")
    static final class Resume extends Change {
        @Override
        String action() {
            return "resume";
        }
    }

    @Command(
            name = "approve",
            mixinStandardHelpOptions = true,
            description = "Start the next wave of a rollout waiting for approval.")
    static final class Approve extends Change {
        @Override
        String action() {
            return "approve";
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel every job not over; devices are told.")
    static final class Cancel extends Change {
        @Override
        String action() {
            return "cancel";
        }
    }

    private static String path(String id, String action) {
        return "/api/v1/rollouts/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + action;
    }

    private static void print(JsonNode rollout) {
        System.out.println(
                rollout.path("id").asText() + " " + rollout.path("status").asText() + ", wave "
                        + rollout.path("current_wave").asInt() + " of "
                        + rollout.path("waves").asInt() + ", "
                        + rollout.path("devices").asInt() + " device(s)"
                        + (rollout.path("reason").isTextual()
                                ? ": " + rollout.path("reason").asText()
                                : ""));
        for (JsonNode wave : rollout.path("wave_counts")) {
            int devices = wave.path("devices").asInt();
            int done = wave.path("states").path("completed").asInt();
            int bar = devices == 0 ? 0 : done * 20 / devices;
            System.out.printf(
                    "  wave %-3d [%s%s] %d/%d %s%n",
                    wave.path("wave").asInt(),
                    "#".repeat(bar),
                    ".".repeat(20 - bar),
                    done,
                    devices,
                    wave.path("states"));
        }
    }
}
