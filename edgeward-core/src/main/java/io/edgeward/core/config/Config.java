package io.edgeward.core.config;

/**
 * Resolved configuration as modules read it: each module asks for its own {@link Key}s and turns
 * them into its settings. Values are already parsed and checked against the key's bounds.
 */
public interface Config {

    /**
     * The key's value (its default when nothing set it).
     *
     * @throws IllegalArgumentException for a key the configuration was not loaded with
     */
    <T> T get(Key<T> key);

    /** Every key at its default: for embedding and tests, which override what they need with {@link #with}. */
    static Config defaults() {
        return new Config() {
            @Override
            public <T> T get(Key<T> key) {
                return key.parser().parse(key.defaultValue());
            }
        };
    }

    /** This configuration with {@code key} set to {@code value}. */
    default <V> Config with(Key<V> key, V value) {
        Config base = this;
        return new Config() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T get(Key<T> asked) {
                return asked.equals(key) ? (T) value : base.get(asked);
            }
        };
    }
}
