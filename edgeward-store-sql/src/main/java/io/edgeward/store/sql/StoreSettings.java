package io.edgeward.store.sql;

import static io.edgeward.core.config.Parsers.integer;
import static io.edgeward.core.config.Parsers.jdbcUrl;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where the relational store lives.
 *
 * @param url a JDBC URL ({@code jdbc:sqlite:...} or {@code jdbc:postgresql://...}); empty for the
 *     embedded SQLite file {@code edgeward.db} in the data directory
 * @param poolSize connections in the pool (readers; SQLite has one writer at a time regardless)
 */
public record StoreSettings(String url, String username, String password, int poolSize) {

    public static final Key<String> URL = new Key<>(
            "store.url", "", jdbcUrl(), "JDBC URL of the relational store. Empty: SQLite file <data-dir>/edgeward.db.");
    public static final Key<String> USERNAME = new Key<>("store.username", "", string(), "Database user (PostgreSQL).");
    public static final Key<String> PASSWORD =
            new Key<>("store.password", "", string(), "Database password (PostgreSQL).");
    public static final Key<Integer> POOL_SIZE =
            new Key<>("store.pool-size", "4", integer(1, 64), "Database connections in the pool.");
    public static final List<Key<?>> KEYS = List.of(URL, USERNAME, PASSWORD, POOL_SIZE);

    /** The configured store, or the embedded SQLite file in {@code dataDir} when no URL is set. */
    public static StoreSettings from(Config config, Path dataDir) {
        String url = config.get(URL);
        return url.isEmpty()
                ? embedded(dataDir, config.get(POOL_SIZE))
                : new StoreSettings(url, config.get(USERNAME), config.get(PASSWORD), config.get(POOL_SIZE));
    }

    public StoreSettings {
        Objects.requireNonNull(url, "url");
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }

    public static StoreSettings embedded(Path dataDir) {
        return embedded(dataDir, 4);
    }

    private static StoreSettings embedded(Path dataDir, int poolSize) {
        return new StoreSettings("jdbc:sqlite:" + dataDir.resolve("edgeward.db").toAbsolutePath(), "", "", poolSize);
    }

    /** The URL with any password in it masked, for logs. */
    public String safeUrl() {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public String toString() {
        return "StoreSettings[url=" + safeUrl() + ", username=" + username + ", poolSize=" + poolSize + "]";
    }
}
