package io.edgeward.device;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link Simulator} runs.
 *
 * @param ratePerSecond total messages per second over all devices; 0 = as fast as acknowledgements allow
 * @param inflightPerDevice most unacknowledged messages per device (the broker's receive maximum)
 * @param duration how long to publish; {@code null} until stopped
 * @param api REST API for provisioning; {@code null} to connect anonymously without provisioning
 *     (a plain broker such as Mosquitto, for baselines)
 * @param credentialsFile where device secrets are kept between runs (mode 600)
 * @param summaryJson if set, the summary is also written there as JSON
 * @param topicPattern where telemetry goes; {@code {id}} is replaced by the device id
 * @param statusTopicPattern where presence (Last Will {@code offline}, {@code online}) goes
 * @param thermostats actuator devices beside the sensors: the seed's thermostat, driven by commands and its shadow
 * @param warmup publish this long first, at the same rate, and leave it out of the summary: a
 *     benchmark measures warm JITs on both sides, generator and broker
 */
public record SimulatorSettings(
        String brokerHost,
        int brokerPort,
        int devices,
        double ratePerSecond,
        int qos,
        String idPrefix,
        int inflightPerDevice,
        Duration duration,
        URI api,
        String token,
        Path credentialsFile,
        Path summaryJson,
        String topicPattern,
        String statusTopicPattern,
        int thermostats,
        Duration warmup,
        double otaFailureRate) {

    public SimulatorSettings {
        Objects.requireNonNull(brokerHost, "brokerHost");
        Objects.requireNonNull(idPrefix, "idPrefix");
        topicPattern = topicPattern == null ? "sensor/{id}/telemetry" : topicPattern;
        statusTopicPattern = statusTopicPattern == null ? "device/{id}/status" : statusTopicPattern;
        warmup = warmup == null ? Duration.ZERO : warmup;
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup must not be negative");
        }
        if (devices < 1 || devices > 100_000) {
            throw new IllegalArgumentException("--devices must be between 1 and 100000");
        }
        if (thermostats < 0 || thermostats > 10_000) {
            throw new IllegalArgumentException("--thermostats must be between 0 and 10000");
        }
        if (otaFailureRate < 0 || otaFailureRate > 1) {
            throw new IllegalArgumentException("--ota-failure-rate must be between 0 and 1");
        }
        if (ratePerSecond < 0) {
            throw new IllegalArgumentException("--rate must not be negative");
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("--qos must be 0, 1 or 2");
        }
        if (inflightPerDevice < 1) {
            throw new IllegalArgumentException("--inflight must be at least 1");
        }
        if (api != null && (token == null || token.isBlank())) {
            throw new IllegalArgumentException(
                    "an admin token is needed to provision devices (--token, EDGEWARD_ADMIN_TOKEN or --data-dir)");
        }
    }

    String deviceId(int index) {
        return idPrefix + String.format("%05d", index);
    }

    String thermostatId(int index) {
        return idPrefix + "thermostat-" + String.format("%05d", index);
    }
}
