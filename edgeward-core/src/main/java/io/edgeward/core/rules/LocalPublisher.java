package io.edgeward.core.rules;

/** Publishes on the node's own broker, for local applications (a port: the broker supplies it). */
@FunctionalInterface
public interface LocalPublisher {

    /** A node without a broker of its own (an external broker, or none in a test) publishes nothing. */
    LocalPublisher NONE = (topic, payload, qos, retain) -> {
        throw new IllegalStateException("this node has no broker to publish on");
    };

    void publish(String topic, byte[] payload, int qos, boolean retain);
}
