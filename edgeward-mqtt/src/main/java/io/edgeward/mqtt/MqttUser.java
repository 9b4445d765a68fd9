package io.edgeward.mqtt;

import java.util.List;
import java.util.Objects;

/**
 * An operator-defined MQTT user for local applications (dashboards, bridges, PLC gateways).
 *
 * <p>ACL patterns are MQTT topic filters; {@code %u} stands for the username and {@code %c} for
 * the client id, as in Mosquitto. A publish is allowed when a {@code publish} pattern matches its
 * topic; a subscription when a {@code subscribe} pattern matches every topic its filter could match.
 */
public record MqttUser(String username, String password, List<String> publish, List<String> subscribe) {

    public MqttUser {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        publish = publish == null ? List.of() : List.copyOf(publish);
        subscribe = subscribe == null ? List.of() : List.copyOf(subscribe);
    }

    @Override
    public String toString() {
        return "MqttUser[username=" + username + ", publish=" + publish + ", subscribe=" + subscribe + "]";
    }
}
