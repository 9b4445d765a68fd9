package io.edgeward.core.device;

import java.time.Instant;
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

    /** Every device's credential, for the registry's in-memory index. */
    List<Credential> credentials();

    /** The device whose credential hash this is (for access tokens that do not name the device). */
    Optional<Device> findBySecretHash(String secretHash);

    /**
     * Devices matching the filter, ordered by registration time, newest first (ties by id); at
     * most {@code limit}, starting after the device {@code after} in that order.
     */
    List<Device> list(DeviceFilter filter, int limit, DeviceId after);

    /**
     * Writes the record (its type, which only a sync link changes, included; not status, last-seen or
     * registration time, or credentials); false if the device is gone.
     */
    boolean update(Device device);

    /** Sets or clears the operator status; false if the device is gone. */
    boolean setStatus(DeviceId id, DeviceStatus status);

    /** Replaces the credential hash; false if the device is gone. */
    boolean replaceSecret(DeviceId id, String secretHash, Instant at);

    /**
     * Deletes the device with its credentials, tags, shadow and commands (this port's own data);
     * false if there was none. Other stores' data goes through {@link DeviceDeletionListener}.
     */
    boolean delete(DeviceId id);

    /** Moves {@code last_seen} forward (never back) for each device, in one transaction. */
    void touchLastSeen(Map<DeviceId, Long> lastSeen);

    long count();

    /**
     * Sets online/offline from the broker, in one transaction for every device given, except on a
     * device an operator set to maintenance or error, which stick until cleared.
     */
    void updatePresence(Map<DeviceId, DeviceStatus> statuses);

    /** How many devices have each (status, type); combinations without devices may be absent. */
    Map<DeviceStatus, Map<DeviceType, Long>> countByStatusAndType();

    /** At start-up no device is connected yet: every online device becomes offline (maintenance stays). */
    void markAllOffline();
}
