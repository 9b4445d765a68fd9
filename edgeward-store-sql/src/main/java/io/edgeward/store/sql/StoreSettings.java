package io.edgeward.store.sql;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the relational store lives.
 *
 * @param url a JDBC URL ({@code jdbc:sqlite:...} or {@code jdbc:postgresql://...}); empty for the
 *     embedded SQLite file {@code edgeward.db} in the data directory
 * @param poolSize connections in the pool (readers; SQLite has one writer at a time regardless)
 */
public record StoreSettings(String url, String username, String password, int poolSize) {

    public StoreSettings {
        Objects.requireNonNull(url, "url");
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }

    public static StoreSettings embedded(Path dataDir) {
        return new StoreSettings("jdbc:sqlite:" + dataDir.resolve("edgeward.db").toAbsolutePath(), "", "", 4);
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
