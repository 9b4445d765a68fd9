package io.edgeward.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code edgeward}: the command line. */
@Command(
        name = "edgeward",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description =
                "Edgeward: an IoT edge platform. MQTT and CoAP devices, registry, shadows, commands, durable telemetry, rules, firmware rollouts.",
        subcommands = {
            RunCommand.class,
            DeviceCommand.class,
            FirmwareCommand.class,
            RolloutCommand.class,
            SimulateCommand.class,
            ConfigCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {

    public static void main(String[] args) {
        // HiveMQ CE ships a logback.xml of its own; name ours explicitly so there is no ambiguity.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "edgeward-logback.xml");
        }
        // Netty's default leak detection records a stack trace for one buffer in 128, on every
        // PUBLISH and PUBACK path of the broker; that is a debugging aid, not a production cost to
        // pay. -Dio.netty.leakDetection.level=simple (or paranoid) turns it back on.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
