package io.edgeward.core.device;

/**
 * Told when a device is being deleted, before its registry entry goes: each store that keeps data
 * about devices (telemetry, and later rollups, rule state, outboxes) deletes its own. A listener
 * that throws stops the deletion; the device stays registered and the deletion can be retried,
 * which each listener must therefore tolerate (deleting what is already gone).
 */
@FunctionalInterface
public interface DeviceDeletionListener {

    void deviceDeleted(DeviceId device);
}
