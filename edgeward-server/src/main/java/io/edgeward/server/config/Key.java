package io.edgeward.server.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key, declared once with its name, default, parser (with bounds) and
 * description. The environment variable is derived: {@code EDGEWARD_} + the name upper-cased,
 * dots and dashes as {@code _} ({@code mqtt.allow-anonymous} → {@code EDGEWARD_MQTT_ALLOW_ANONYMOUS}).
 */
public record Key<T>(String name, String defaultValue, Parser<T> parser, String description) {

    /** Parses a raw string; throws {@link IllegalArgumentException} with a message for the operator. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String raw);
    }

    public Key {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(description, "description");
    }

    public String envName() {
        return envName(name);
    }

    public static String envName(String name) {
        return "EDGEWARD_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
