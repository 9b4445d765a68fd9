package io.edgeward.mqtt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.config.Key;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code mqtt.users}: a list of {@code {username, password, publish: [filters], subscribe:
 * [filters]}}, from YAML or as JSON in {@code EDGEWARD_MQTT_USERS}. Every problem is reported at
 * once, each with the entry's index; no password is ever part of a message.
 */
final class MqttUsers implements Key.Parser<List<MqttUser>> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public List<MqttUser> parse(String raw) {
        JsonNode node;
        try {
            node = JSON.readTree(raw.isBlank() ? "[]" : raw);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON list: " + e.getOriginalMessage());
        }
        List<String> problems = new ArrayList<>();
        List<MqttUser> users = new ArrayList<>();
        if (node == null || node.isNull()) {
            return users;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("expected a list of {username, password, publish, subscribe}");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode user = node.get(i);
            String where = "[" + i + "]";
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
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return List.copyOf(users);
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
}
