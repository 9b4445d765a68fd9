package io.edgeward.server.cli;

import io.edgeward.core.config.Key;
import io.edgeward.server.config.Keys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code edgeward config}: the configuration reference, generated from the key declarations. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Print every configuration key with its variable and default.")
final class ConfigCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.println("Keys go in the YAML file (--config) as nested maps (mqtt: {port: 1883}) or dotted names;");
        System.out.println(
                "each also reads EDGEWARD_<KEY> (upper case, dots and dashes as _) and `run --set key=value`.");
        System.out.println();
        for (Key<?> key : Keys.ALL) {
            System.out.printf(
                    "%-34s %-40s default: %s%n    %s%n",
                    key.name(),
                    key.envName(),
                    key.defaultValue().isEmpty() ? "(empty)" : key.defaultValue(),
                    key.description());
        }
        return 0;
    }
}
