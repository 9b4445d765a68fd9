package io.edgeward.mqtt.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The broker's counters, with the seed's names where the seed has one. */
public final class MqttMetrics {

    final Counter received;
    final Counter published;
    private final MeterRegistry meters;

    public MqttMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.received = Counter.builder("iot.mqtt.messages.received")
                .description("MQTT PUBLISH packets received from clients")
                .register(meters);
        this.published = Counter.builder("iot.mqtt.messages.published")
                .description("MQTT PUBLISH packets sent to subscribers")
                .register(meters);
    }

    /** A CONNECT refused, by reason: bad_credentials, client_id_mismatch, client_id_invalid, anonymous_disabled, store_unavailable. */
    public void connectRefused(String reason) {
        Counter.builder("edgeward.mqtt.connect.refused")
                .description("MQTT CONNECTs refused, by reason")
                .tag("reason", reason)
                .register(meters)
                .increment();
    }

    /** The registry, for the parts of the broker that register their own meters. */
    public MeterRegistry registry() {
        return meters;
    }

    /** The decision on a CONNECT came after HiveMQ had already answered it (its timeout). */
    public void lateDecision() {
        Counter.builder("edgeward.mqtt.connect.late.decisions")
                .description("CONNECT decisions that came after the broker had timed the authentication out")
                .register(meters)
                .increment();
    }

    /** A PUBLISH or SUBSCRIBE outside the client's ACL. */
    public void denied(String action) {
        Counter.builder("edgeward.mqtt.acl.denied")
                .description("MQTT PUBLISHes and SUBSCRIBEs refused by the ACL, by action")
                .tag("action", action)
                .register(meters)
                .increment();
    }
}
