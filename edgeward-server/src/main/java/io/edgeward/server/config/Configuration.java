package io.edgeward.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.edgeward.mqtt.MqttUser;
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
public final class Configuration {

    private final Map<Key<?>, Object> values;
    private final Map<String, String> sources;
    private final List<MqttUser> users;

    private Configuration(Map<Key<?>, Object> values, Map<String, String> sources, List<MqttUser> users) {
        this.values = values;
        this.sources = sources;
        this.users = users;
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
        for (Key<?> key : Keys.ALL) {
            raw.put(key.name(), key.defaultValue());
            sources.put(key.name(), "default");
        }
        JsonNode usersNode = null;
        String usersSource = null;

        if (file != null) {
            JsonNode tree = readYaml(file, problems);
            if (tree != null) {
                Map<String, JsonNode> flat = new LinkedHashMap<>();
                flatten("", tree, flat);
                for (Map.Entry<String, JsonNode> entry : flat.entrySet()) {
                    String name = entry.getKey();
                    if (name.equals(Keys.MQTT_USERS)) {
                        usersNode = entry.getValue();
                        usersSource = file.toString();
                    } else if (!raw.containsKey(name)) {
                        problems.add(name + " (in " + file + "): unknown key" + suggestion(name));
                    } else if (entry.getValue().isContainerNode()) {
                        problems.add(name + " (in " + file + "): expected a single value, not a list or map");
                    } else {
                        raw.put(name, entry.getValue().isNull() ? "" : entry.getValue().asText());
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
        String usersEnv = env.get(Key.envName(Keys.MQTT_USERS));
        if (usersEnv != null) {
            try {
                usersNode = new ObjectMapper().readTree(usersEnv);
                usersSource = Key.envName(Keys.MQTT_USERS);
            } catch (JsonProcessingException e) {
                problems.add(Keys.MQTT_USERS + " (from " + Key.envName(Keys.MQTT_USERS) + "): not a JSON list: " + e.getOriginalMessage());
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
                problems.add(key.name() + " = '" + value + "' (from " + sources.get(key.name()) + "): " + e.getMessage());
            }
        }
        List<MqttUser> users = usersNode == null ? List.of() : users(usersNode, usersSource, problems);
        if (problems.isEmpty()) {
            int payload = (Integer) values.get(Keys.TELEMETRY_MAX_PAYLOAD);
            int packet = (Integer) values.get(Keys.MQTT_MAX_PACKET_SIZE);
            if (payload + 64 * 1024 > packet) {
                problems.add("telemetry.max-payload-bytes (" + payload + ") must be at least 64 KiB below mqtt.max-packet-size ("
                        + packet + "), so that an oversized telemetry payload gets a PUBACK refusal rather than a disconnect");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new Configuration(values, sources, users);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        return (T) values.get(key);
    }

    /** Where a key's value came from: "default", the file, the variable name or "command line". */
    public String source(Key<?> key) {
        return sources.get(key.name());
    }

    public List<MqttUser> mqttUsers() {
        return users;
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
            problems.add(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
            return null;
        }
    }

    /** {@code mqtt: {port: 1}} and {@code mqtt.port: 1} both become {@code mqtt.port}; lists stay whole. */
    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
                if (name.equals(Keys.MQTT_USERS) || !field.getValue().isObject()) {
                    out.put(name, field.getValue());
                } else {
                    flatten(name, field.getValue(), out);
                }
            });
        }
    }

    private static List<MqttUser> users(JsonNode node, String source, List<String> problems) {
        List<MqttUser> users = new ArrayList<>();
        if (!node.isArray()) {
            problems.add(Keys.MQTT_USERS + " (from " + source + "): expected a list of {username, password, publish, subscribe}");
            return users;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode user = node.get(i);
            String where = Keys.MQTT_USERS + "[" + i + "] (from " + source + ")";
            String username = user.path("username").asText("");
            String password = user.path("password").asText("");
            if (username.isEmpty()) {
                problems.add(where + ": username is required");
            }
            if (password.length() < 8) {
                problems.add(where + ": password is required, at least 8 characters");
            }
            List<String> publish = filters(user.path("publish"), where + ".publish", problems);
            List<String> subscribe = filters(user.path("subscribe"), where + ".subscribe", problems);
            if (!username.isEmpty() && users.stream().anyMatch(u -> u.username().equals(username))) {
                problems.add(where + ": duplicate username '" + username + "'");
            }
            try {
                users.add(new MqttUser(username, password, publish, subscribe));
            } catch (IllegalArgumentException e) {
                problems.add(where + ": " + e.getMessage());
            }
        }
        return users;
    }

    private static List<String> filters(JsonNode node, String where, List<String> problems) {
        List<String> filters = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return filters;
        }
        if (!node.isArray()) {
            problems.add(where + ": expected a list of topic filters");
            return filters;
        }
        for (JsonNode filter : node) {
            String text = filter.asText("");
            if (!validFilter(text)) {
                problems.add(where + ": '" + text + "' is not a valid MQTT topic filter");
            } else {
                filters.add(text);
            }
        }
        return filters;
    }

    static boolean validFilter(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#") && i != levels.length - 1) {
                return false;
            }
            if (!level.equals("#") && !level.equals("+") && (level.contains("#") || level.contains("+"))) {
                return false;
            }
        }
        return true;
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
