package io.edgeward.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.device.PlatformClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgeward device ...}: the registry from the command line, through the REST API. */
@Command(
        name = "device",
        mixinStandardHelpOptions = true,
        description = "Manage devices through a running node's API.",
        subcommands = {
            DeviceCommand.Add.class,
            DeviceCommand.ListDevices.class,
            DeviceCommand.Rotate.class,
            DeviceCommand.Delete.class
        })
final class DeviceCommand {

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Register a device and print its MQTT credentials (shown once).")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "Device id: 1-64 of A-Z a-z 0-9 . _ : -")
        String id;

        @Option(
                names = "--type",
                defaultValue = "sensor",
                description = "sensor, actuator or gateway (default: ${DEFAULT-VALUE}).")
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
                System.out.println("Registered " + device.get("device_id").asText() + " ("
                        + device.get("type").asText() + ").");
                printCredentials(device);
                return 0;
            } catch (PlatformClient.ApiError e) {
                System.err.println("Refused: " + e.getMessage());
                return 1;
            }
        }
    }

    static void printCredentials(JsonNode device) {
        System.out.println(
                "MQTT username:  " + device.at("/credentials/username").asText());
        System.out.println(
                "MQTT client id: " + device.at("/credentials/client_id").asText());
        System.out.println(
                "MQTT password:  " + device.at("/credentials/password").asText());
        System.out.println(
                "CoAP token:     the MQTT password (coap://HOST/api/v1/<password>/telemetry, when coap.plain-token-auth is on)");
        System.out.println("CoAP DTLS PSK:  identity "
                + device.at("/credentials/coap_psk_identity").asText() + ", key "
                + device.at("/credentials/coap_psk").asText());
        System.out.println("Keep the password now: Edgeward stores only its hash and cannot show it again.");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices, newest registration first.")
    static final class ListDevices implements Callable<Integer> {
        @Option(
                names = "--limit",
                defaultValue = "100",
                description = "Most devices to list, 1-10000 (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--type", description = "Only sensor, actuator or gateway.")
        String type;

        @Option(names = "--status", description = "Only online, offline, maintenance or error.")
        String status;

        @Option(names = "--tag", description = "Only devices with this tag.")
        String tag;

        @Option(names = "--model", description = "Only this model.")
        String model;

        @Option(
                names = {"-q", "--query"},
                description = "Only devices whose id or name contains this (any case).")
        String query;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            Map<String, String> filters = new LinkedHashMap<>();
            filters.put("type", type);
            filters.put("status", status);
            filters.put("tag", tag);
            filters.put("model", model);
            filters.put("q", query);
            try {
                System.out.printf("%-28s %-9s %-11s %-12s %s%n", "DEVICE", "TYPE", "STATUS", "MODEL", "LAST SEEN");
                String cursor = null;
                int left = Math.max(1, Math.min(limit, 10_000));
                do {
                    JsonNode page = target.client().listDevices(Math.min(left, 1000), cursor, filters);
                    for (JsonNode device : page.get("items")) {
                        System.out.printf(
                                "%-28s %-9s %-11s %-12s %s%n",
                                device.get("device_id").asText(),
                                device.get("type").asText(),
                                device.get("status").asText(),
                                device.get("model").isNull()
                                        ? "-"
                                        : device.get("model").asText(),
                                device.get("last_seen").isNull()
                                        ? "never"
                                        : device.get("last_seen").asText());
                        left--;
                    }
                    cursor = page.get("next_cursor").isNull()
                            ? null
                            : page.get("next_cursor").asText();
                } while (cursor != null && left > 0);
                return 0;
            } catch (PlatformClient.ApiError e) {
                System.err.println("Refused: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(
            name = "rotate",
            mixinStandardHelpOptions = true,
            description = "Issue a new MQTT password; the old one stops working and its connections are closed.")
    static final class Rotate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "Device id.")
        String id;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            try {
                JsonNode device = target.client().rotateCredentials(id);
                System.out.println(
                        "New credentials for " + device.get("device_id").asText() + ".");
                printCredentials(device);
                return 0;
            } catch (PlatformClient.ApiError e) {
                System.err.println("Refused: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description =
                    "Delete a device with its credentials, shadow, commands and telemetry; closes its connections.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "Device id.")
        String id;

        @Option(names = "--yes", description = "Confirm: the device's data cannot be recovered.")
        boolean confirmed;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            if (!confirmed) {
                System.err.println("Deleting " + id
                        + " removes its telemetry, shadow and commands for good; add --yes to confirm.");
                return 2;
            }
            try {
                target.client().deleteDevice(id);
                System.out.println("Deleted " + id + ".");
                return 0;
            } catch (PlatformClient.ApiError e) {
                System.err.println("Refused: " + e.getMessage());
                return 1;
            }
        }
    }
}
