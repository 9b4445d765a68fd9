package io.edgeward.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.device.PlatformClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgeward device ...}: the registry from the command line, through the REST API. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Manage devices through a running node's API.",
        subcommands = {DeviceCommand.Add.class, DeviceCommand.ListDevices.class})
final class DeviceCommand {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a device and print its MQTT credentials (shown once).")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "Device id: 1-64 of A-Z a-z 0-9 . _ : -")
        String id;

        @Option(names = "--type", defaultValue = "sensor", description = "sensor, actuator or gateway (default: ${DEFAULT-VALUE}).")
        String type;

        @Option(names = "--name", description = "Display name.")
        String name;

        @Option(names = "--model", description = "Hardware model.")
        String model;

        @Option(names = "--location", description = "Where the device is.")
        String location;

        @Option(names = "--tag", description = "A tag for grouping; repeatable.")
        List<String> tags;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            try {
                JsonNode device = target.client().registerDevice(id, type, name, model, location, tags);
                System.out.println("Registered " + device.get("device_id").asText() + " (" + device.get("type").asText() + ").");
                System.out.println("MQTT username:  " + device.at("/credentials/username").asText());
                System.out.println("MQTT client id: " + device.at("/credentials/client_id").asText());
                System.out.println("MQTT password:  " + device.at("/credentials/password").asText());
                System.out.println("Keep the password now: Edgeward stores only its hash and cannot show it again.");
                return 0;
            } catch (PlatformClient.ApiError e) {
                System.err.println("Refused: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices, newest first.")
    static final class ListDevices implements Callable<Integer> {
        @Option(names = "--limit", defaultValue = "100", description = "Most devices to list (default: ${DEFAULT-VALUE}).")
        int limit;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            JsonNode page = target.client().listDevices(Math.min(limit, 1000), null);
            System.out.printf("%-28s %-9s %-8s %s%n", "DEVICE", "TYPE", "STATUS", "LAST SEEN");
            for (JsonNode device : page.get("items")) {
                System.out.printf("%-28s %-9s %-8s %s%n", device.get("device_id").asText(), device.get("type").asText(),
                        device.get("status").asText(), device.get("last_seen").isNull() ? "never" : device.get("last_seen").asText());
            }
            return 0;
        }
    }
}
