package io.edgeward.core.shadow;

/** Told of every accepted shadow update, after it is durable. Must not block. */
@FunctionalInterface
public interface ShadowListener {
    void updated(ShadowUpdate update);
}
