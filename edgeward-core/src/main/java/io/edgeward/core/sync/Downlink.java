package io.edgeward.core.sync;

/**
 * At an edge: what the node it forwards to sends down through the uplink ({@code command} or
 * {@code shadow}, for one device behind this edge).
 */
@FunctionalInterface
public interface Downlink {

    void received(String kind, String device, byte[] payload);
}
