package io.edgeward.http;

import java.util.Objects;

/**
 * @param port TCP port; 0 picks a free one
 * @param adminToken the bearer token operators present; never logged
 */
public record HttpSettings(String bindAddress, int port, String adminToken) {

    public HttpSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(adminToken, "adminToken");
        if (adminToken.length() < 16) {
            throw new IllegalArgumentException("the admin token must be at least 16 characters");
        }
    }

    @Override
    public String toString() {
        return "HttpSettings[bindAddress=" + bindAddress + ", port=" + port + ", adminToken=<redacted>]";
    }
}
