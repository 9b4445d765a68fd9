/**
 * CoAP (RFC 7252) and CoAP over DTLS 1.2 for constrained devices, on Eclipse Californium and
 * Scandium: telemetry, shadow, commands and sensor resources with Observe (RFC 7641), block-wise
 * transfer (RFC 7959) and discovery (RFC 6690). The domain in {@code edgeward-core} knows none of
 * it; {@link io.edgeward.coap.EmbeddedCoapServer} adapts it.
 */
package io.edgeward.coap;
