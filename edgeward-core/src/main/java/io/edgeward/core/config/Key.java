package io.edgeward.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key, declared once with its name, default, parser (with bounds) and
 * description. The environment variable is derived: {@code EDGEWARD_} + the name upper-cased,
 * dots and dashes as {@code _} ({@code mqtt.allow-anonymous} → {@code EDGEWARD_MQTT_ALLOW_ANONYMOUS}).
 *
 * <p>Each module declares the keys it reads beside the settings it builds from them
 * ({@code BrokerSettings.KEYS} and {@code BrokerSettings.from(config)}); the server only lists them.
 *
 * @param structured the value is a list or map (YAML, or JSON in the variable), handed to the
 *     parser as JSON text; its value is never echoed in an error, as it may hold passwords
 */
public record Key<T>(String name, String defaultValue, Parser<T> parser, String description, boolean structured) {

    public Key(String name, String defaultValue, Parser<T> parser, String description) {
        this(name, defaultValue, parser, description, false);
    }

    /** A key whose value is a list or map, given to {@code parser} as JSON text. */
    public static <T> Key<T> structured(String name, String defaultJson, Parser<T> parser, String description) {
        return new Key<>(name, defaultJson, parser, description, true);
    }

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
