package io.edgeward.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code edgeward}: the command line. */
@Command(name = "edgeward",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Edgeward: an IoT edge platform. MQTT and CoAP devices, registry, shadows, commands, durable telemetry.",
        subcommands = {RunCommand.class, DeviceCommand.class, SimulateCommand.class, ConfigCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        // HiveMQ CE ships a logback.xml of its own; name ours explicitly so there is no ambiguity.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "edgeward-logback.xml");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
