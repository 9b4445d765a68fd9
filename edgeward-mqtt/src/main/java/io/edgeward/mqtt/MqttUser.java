package io.edgeward.mqtt;

import java.util.List;
import java.util.Objects;

/**
 * An operator-defined MQTT user for local applications (dashboards, bridges, PLC gateways).
 *
 * <p>ACL patterns are MQTT topic filters; {@code %u} stands for the username and {@code %c} for
 * the client id, as in Mosquitto. A publish is allowed when a {@code publish} pattern matches its
 * topic; a subscription when a {@code subscribe} pattern matches every topic its filter could match.
 *
 * <p>What fills a placeholder must be one plain topic level: a client id of {@code +} in
 * {@code apps/%c/#} would otherwise grant {@code apps/+/#}, every other client's inbox. So a user
 * whose patterns use {@code %u} must have a username without {@code + # /} or NUL (checked here),
 * and a client of a user whose patterns use {@code %c} must use such a client id (checked at CONNECT,
 * see {@link #admitsClientId}).
 */
public record MqttUser(String username, String password, List<String> publish, List<String> subscribe) {

    public MqttUser {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        publish = publish == null ? List.of() : List.copyOf(publish);
        subscribe = subscribe == null ? List.of() : List.copyOf(subscribe);
        if (uses(publish, subscribe, "%u") && !isTopicLevel(username)) {
            throw new IllegalArgumentException("MQTT user '" + username
                    + "': its ACL uses %u, so the username must be one topic " + "level, without '+', '#', '/' or NUL");
        }
    }

    /** False when this user's ACL uses {@code %c} and the client id would expand into more than one topic level. */
    public boolean admitsClientId(String clientId) {
        return !uses(publish, subscribe, "%c") || isTopicLevel(clientId);
    }

    /** One non-empty topic level: no wildcard, no separator, no NUL (which MQTT forbids in any string). */
    static boolean isTopicLevel(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+' || c == '#' || c == '/' || c == '\0') {
                return false;
            }
        }
        return true;
    }

    private static boolean uses(List<String> publish, List<String> subscribe, String placeholder) {
        return publish.stream().anyMatch(p -> p.contains(placeholder))
                || subscribe.stream().anyMatch(p -> p.contains(placeholder));
    }

    @Override
    public String toString() {
        return "MqttUser[username=" + username + ", publish=" + publish + ", subscribe=" + subscribe + "]";
    }
}
