package io.edgeward.coap;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the CoAP server.
 *
 * @param bindAddress address both UDP listeners bind to
 * @param port plain CoAP port (0 = a free one)
 * @param dtlsPort CoAP over DTLS 1.2 port (0 = a free one)
 * @param plainTokenAuth whether plain CoAP serves devices that put their access token in the path
 *     ({@code /api/v1/{token}/...}); off, every plain request is refused with 4.01
 * @param maxBodyBytes largest request body, also reassembled from blocks (RFC 7959); larger: 4.13
 * @param observeCheck how often observers of {@code /commands} get a confirmable notification, so
 *     that a device that went away without cancelling is noticed and shown offline
 */
public record CoapSettings(String bindAddress, int port, int dtlsPort, boolean plainTokenAuth, int maxBodyBytes,
        Duration observeCheck) {

    public CoapSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(observeCheck, "observeCheck");
        if (maxBodyBytes < 64) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 64");
        }
    }
}
