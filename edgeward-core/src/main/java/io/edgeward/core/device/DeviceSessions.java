package io.edgeward.core.device;

/**
 * Port: the protocol side's open connections. When a device's credentials are rotated or the
 * device is deleted, connections made with the old credentials must not live on.
 */
public interface DeviceSessions {

    /**
     * Closes the device's connections.
     *
     * @param forget also drop its persistent session (subscriptions and queued messages), as when
     *     the device is deleted
     */
    void disconnect(DeviceId id, boolean forget);
}
