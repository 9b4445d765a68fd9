/**
 * Device registry: identity, lifecycle fields and credentials of every device.
 *
 * <p>A device is registered once ({@link io.edgeward.core.device.DeviceRegistry#register}); the
 * registry generates its secret, returns it exactly once and keeps only a hash. Transports (MQTT,
 * CoAP, HTTP) authenticate devices through the registry and never see the stored hash.
 */
package io.edgeward.core.device;
