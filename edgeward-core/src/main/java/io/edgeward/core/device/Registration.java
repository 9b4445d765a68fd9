package io.edgeward.core.device;

/**
 * The result of registering a device: the device and its MQTT credentials. The secret is shown
 * this once; only its hash is stored.
 */
public record Registration(Device device, String username, String secret) {

    /** The DTLS pre-shared key for CoAP (identity: the device id); changes with the secret. */
    public String coapPsk() {
        return io.edgeward.core.device.internal.Secrets.psk(secret);
    }

    @Override
    public String toString() {
        return "Registration[device=" + device.id() + ", username=" + username + ", secret=<redacted>]";
    }
}
