package io.edgeward.core.device;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Port: durable storage of devices and their credential hashes. Implemented by the store adapters. */
public interface DeviceRepository {

    /**
     * Inserts the device together with its credential hash, atomically.
     *
     * @throws DeviceAlreadyExistsException if the id is taken
     */
    void insert(Device device, String secretHash);

    Optional<Device> find(DeviceId id);

    /** The stored secret hash, if the device exists. */
    Optional<String> secretHash(DeviceId id);

    /** Devices ordered by registration time, newest first; at most {@code limit}, skipping those up to {@code after}. */
    List<Device> list(int limit, DeviceId after);

    long count();

    /**
     * Sets online/offline from the broker, unless an operator set the device to maintenance,
     * which sticks until cleared.
     */
    void updatePresence(DeviceId id, DeviceStatus status);

    /** How many devices have each (status, type); combinations without devices may be absent. */
    Map<DeviceStatus, Map<DeviceType, Long>> countByStatusAndType();

    /** At start-up no device is connected yet: every online device becomes offline (maintenance stays). */
    void markAllOffline();
}
