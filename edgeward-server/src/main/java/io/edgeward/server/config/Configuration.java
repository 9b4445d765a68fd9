package io.edgeward.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.mqtt.BrokerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolved configuration. Each key takes, in rising precedence: its default, the YAML file
 * ({@code --config}), the {@code EDGEWARD_*} environment variable, a command-line flag. Every
 * value is validated at once and all problems are reported together.
 */
public final class Configuration implements Config {

    private final Map<Key<?>, Object> values;
    private final Map<String, String> sources;

    private Configuration(Map<Key<?>, Object> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /** Defaults only; for tests and embedding. */
    public static Configuration defaults() {
        return load(null, Map.of(), Map.of());
    }

    /**
     * @param file the YAML file, or {@code null}
     * @param env the process environment (only {@code EDGEWARD_*} entries are read)
     * @param flags key name → raw value from the command line
     * @throws ConfigurationException listing every problem
     */
    public static Configuration load(Path file, Map<String, String> env, Map<String, String> flags) {
        List<String> problems = new ArrayList<>();
        Map<String, String> raw = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        Map<String, Key<?>> byName = new HashMap<>();
        for (Key<?> key : Keys.ALL) {
            raw.put(key.name(), key.defaultValue());
            sources.put(key.name(), "default");
            byName.put(key.name(), key);
        }

        if (file != null) {
            JsonNode tree = readYaml(file, problems);
            if (tree != null) {
                Map<String, JsonNode> flat = new LinkedHashMap<>();
                flatten("", tree, flat, byName);
                for (Map.Entry<String, JsonNode> entry : flat.entrySet()) {
                    String name = entry.getKey();
                    Key<?> key = byName.get(name);
                    if (key == null) {
                        problems.add(name + " (in " + file + "): unknown key" + suggestion(name));
                    } else if (key.structured()) {
                        raw.put(name, entry.getValue().toString()); // JSON text, as the variable gives it
                        sources.put(name, file.toString());
                    } else if (entry.getValue().isContainerNode()) {
                        problems.add(name + " (in " + file + "): expected a single value, not a list or map");
                    } else {
                        raw.put(
                                name,
                                entry.getValue().isNull()
                                        ? ""
                                        : entry.getValue().asText());
                        sources.put(name, file.toString());
                    }
                }
            }
        }
        for (Key<?> key : Keys.ALL) {
            String value = env.get(key.envName());
            if (value != null) {
                raw.put(key.name(), value);
                sources.put(key.name(), key.envName());
            }
        }
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            if (!raw.containsKey(flag.getKey())) {
                problems.add(flag.getKey() + " (command line): unknown key" + suggestion(flag.getKey()));
            } else {
                raw.put(flag.getKey(), flag.getValue());
                sources.put(flag.getKey(), "command line");
            }
        }

        Map<Key<?>, Object> values = new LinkedHashMap<>();
        for (Key<?> key : Keys.ALL) {
            String value = raw.get(key.name());
            try {
                values.put(key, key.parser().parse(value));
            } catch (IllegalArgumentException e) {
                // A structured value may hold passwords: name where it came from, not what it was.
                String shown = key.structured() ? "" : " = '" + value + "'";
                problems.add(key.name() + shown + " (from " + sources.get(key.name()) + "): " + e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            int payload = (Integer) values.get(TelemetryLimits.MAX_PAYLOAD);
            int packet = (Integer) values.get(BrokerSettings.MAX_PACKET_SIZE);
            if (payload + 64 * 1024 > packet) {
                problems.add("telemetry.max-payload-bytes (" + payload
                        + ") must be at least 64 KiB below mqtt.max-packet-size (" + packet
                        + "), so that an oversized telemetry payload gets a PUBACK refusal rather than a disconnect");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new Configuration(values, sources);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("no configuration key " + key.name() + " is known to this node");
        }
        return (T) values.get(key);
    }

    /** Where a key's value came from: "default", the file, the variable name or "command line". */
    public String source(Key<?> key) {
        return sources.get(key.name());
    }

    private static JsonNode readYaml(Path file, List<String> problems) {
        if (!Files.isRegularFile(file)) {
            problems.add("--config " + file + ": no such file");
            return null;
        }
        try {
            JsonNode tree = new YAMLMapper().readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return null;
            }
            if (!tree.isObject()) {
                problems.add(file + ": the top level must be a map of keys");
                return null;
            }
            return tree;
        } catch (IOException e) {
            problems.add(file + ": not valid YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
            return null;
        }
    }

    /** {@code mqtt: {port: 1}} and {@code mqtt.port: 1} both become {@code mqtt.port}; a structured key's value stays whole. */
    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out, Map<String, Key<?>> keys) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
                Key<?> key = keys.get(name);
                if ((key != null && key.structured()) || !field.getValue().isObject()) {
                    out.put(name, field.getValue());
                } else {
                    flatten(name, field.getValue(), out, keys);
                }
            });
        }
    }

    private static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key<?> key : Keys.ALL) {
            int d = distance(name, key.name());
            if (d < bestDistance) {
                bestDistance = d;
                best = key.name();
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
