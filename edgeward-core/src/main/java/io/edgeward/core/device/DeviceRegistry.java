package io.edgeward.core.device;

import io.edgeward.core.device.internal.CredentialIndex;
import io.edgeward.core.device.internal.Secrets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Registers devices, issues and rotates their credentials, and answers authentication questions.
 * Authentication is answered from an in-memory index of every credential (see {@link CredentialIndex}):
 * a reconnect storm or a flood of wrong secrets never becomes a storm of store reads.
 */
public final class DeviceRegistry {

    private final DeviceRepository repository;
    private final Presence presence;
    private final DeviceSessions sessions;
    private final Clock clock;
    private final CredentialIndex credentials;
    private final List<DeviceDeletionListener> deletionListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<DeviceId>> changeListeners = new CopyOnWriteArrayList<>();

    public DeviceRegistry(DeviceRepository repository, Presence presence, DeviceSessions sessions, Clock clock) {
        this.repository = repository;
        this.presence = presence;
        this.sessions = sessions;
        this.clock = clock;
        this.credentials = new CredentialIndex(repository::credentials, System::nanoTime);
    }

    /**
     * Registers a device and generates its secret.
     *
     * @throws DeviceAlreadyExistsException if the id is taken
     */
    public Registration register(NewDevice request) {
        String secret = Secrets.generate();
        Device device = new Device(
                request.id(),
                request.name(),
                request.type(),
                request.model(),
                request.firmwareVersion(),
                DeviceStatus.OFFLINE,
                request.location(),
                null,
                now(),
                request.metadata(),
                request.tags());
        String hash = Secrets.hash(secret);
        repository.insert(device, hash);
        credentials.put(new Credential(device.id(), device.type(), hash));
        changeListeners.forEach(listener -> listener.accept(device.id()));
        return new Registration(device, device.id().value(), secret);
    }

    /**
     * At an edge: a device registered or changed at the node this edge forwards to, with the stored
     * hash of its secret (never the secret), so that it connects here with the credentials the cloud
     * gave it. A different hash is a rotation: the old secret stops working and its connections end.
     */
    public Device applyFromCloud(NewDevice record, String secretHash) {
        Optional<Device> current = repository.find(record.id());
        if (current.isEmpty()) {
            Device device = new Device(
                    record.id(),
                    record.name(),
                    record.type(),
                    record.model(),
                    record.firmwareVersion(),
                    DeviceStatus.OFFLINE,
                    record.location(),
                    null,
                    now(),
                    record.metadata(),
                    record.tags());
            repository.insert(device, secretHash);
            credentials.put(new Credential(device.id(), device.type(), secretHash));
            changeListeners.forEach(listener -> listener.accept(device.id()));
            return device;
        }
        Device next = replaceRecord(current.get(), record);
        if (!secretHash.equals(repository.secretHash(record.id()).orElse(null))) {
            repository.replaceSecret(record.id(), secretHash, now());
            credentials.put(new Credential(next.id(), next.type(), secretHash));
            sessions.disconnect(next.id(), false);
        }
        return next;
    }

    /** The stored hash of the device's secret: what an edge needs to let the device connect there. */
    public Optional<String> secretHash(DeviceId id) {
        return repository.secretHash(id);
    }

    /**
     * At a node receiving edges: the device as its edge has it now (the caller checked that the
     * device is that edge's). Registered when new, with a secret nobody learns (it connects to its
     * edge, not here); otherwise its record is replaced, its status and times kept.
     */
    public Device applyFromEdge(NewDevice record) {
        Optional<Device> current = repository.find(record.id());
        if (current.isEmpty()) {
            try {
                return register(record).device();
            } catch (DeviceAlreadyExistsException e) {
                current = repository.find(record.id());
                if (current.isEmpty()) {
                    throw e;
                }
            }
        }
        return replaceRecord(current.get(), record);
    }

    /** The device's record as {@code record} says, its status and times kept; listeners told of a change. */
    private Device replaceRecord(Device was, NewDevice record) {
        Device next = new Device(
                was.id(),
                record.name(),
                record.type(),
                record.model(),
                record.firmwareVersion(),
                was.status(),
                record.location(),
                was.lastSeen(),
                was.registeredAt(),
                record.metadata(),
                record.tags());
        if (!next.equals(was)) {
            repository.update(next);
            changeListeners.forEach(listener -> listener.accept(next.id()));
        }
        return next;
    }

    /**
     * The device, when {@code secret} is its current secret; empty for an unknown device or a wrong
     * secret alike, so that callers cannot tell the two apart to a client probing for ids.
     */
    public Optional<Credential> authenticate(DeviceId id, String secret) {
        if (secret == null) {
            return Optional.empty();
        }
        Optional<Credential> known = credentials.byId(id);
        if (known.isPresent() && Secrets.matches(secret, known.get().secretHash())) {
            return known;
        }
        // Unknown here, or another secret: perhaps changed by another node on a shared store.
        Optional<Credential> stored = credentials.mayAskStore() ? credentialFromStore(id) : Optional.empty();
        return stored.filter(credential -> Secrets.matches(secret, credential.secretHash()));
    }

    /**
     * The device whose secret is {@code token}: devices that cannot send their id beside the
     * secret (CoAP's {@code /api/v1/{token}/...}) authenticate with the secret alone.
     */
    public Optional<Device> authenticateToken(String token) {
        if (token == null || token.isEmpty() || token.length() > 256) {
            return Optional.empty();
        }
        String hash = Secrets.hash(token);
        Optional<Credential> known = credentials.bySecretHash(hash);
        if (known.isPresent()) {
            return repository.find(known.get().id());
        }
        if (!credentials.mayAskStore()) {
            return Optional.empty();
        }
        Optional<Device> device = repository.findBySecretHash(hash);
        device.ifPresent(d -> credentials.put(new Credential(d.id(), d.type(), hash)));
        return device;
    }

    /**
     * The DTLS pre-shared key of a registered device (see {@link Registration#coapPsk()}); empty
     * for an unknown id.
     */
    public Optional<String> preSharedKey(DeviceId id) {
        Optional<Credential> credential = credentials.byId(id);
        if (credential.isEmpty() && credentials.mayAskStore()) {
            credential = credentialFromStore(id);
        }
        return credential.map(c -> Secrets.pskOfStoredHash(c.secretHash()));
    }

    private Optional<Credential> credentialFromStore(DeviceId id) {
        Optional<Credential> stored = repository
                .secretHash(id)
                .flatMap(hash -> repository.find(id).map(device -> new Credential(id, device.type(), hash)));
        stored.ifPresent(credentials::put);
        return stored;
    }

    public Optional<Device> find(DeviceId id) {
        return repository.find(id).map(presence::current);
    }

    /** @throws DeviceNotFoundException for an unknown or malformed id */
    public Device get(String id) {
        return find(parse(id)).orElseThrow(() -> new DeviceNotFoundException(id));
    }

    public List<Device> list(DeviceFilter filter, int limit, DeviceId after) {
        return repository.list(filter, limit, after).stream()
                .map(presence::current)
                .toList();
    }

    /**
     * Applies an operator's change. Clearing the operator status puts the device back to what its
     * connection says.
     *
     * @throws DeviceNotFoundException if there is no such device
     */
    public Device update(String id, DevicePatch patch) {
        Device current = get(id);
        if (patch.changesRecord() && !repository.update(patch.applyTo(current))) {
            throw new DeviceNotFoundException(id);
        }
        patch.status().ifPresent(status -> {
            DeviceStatus next =
                    status.orElse(presence.isConnected(current.id()) ? DeviceStatus.ONLINE : DeviceStatus.OFFLINE);
            if (!repository.setStatus(current.id(), next)) {
                throw new DeviceNotFoundException(id);
            }
        });
        if (patch.changesRecord()) {
            changeListeners.forEach(listener -> listener.accept(current.id()));
        }
        return get(id);
    }

    /**
     * Issues a new secret; the old one stops working at once and connections made with it are closed.
     *
     * @throws DeviceNotFoundException if there is no such device
     */
    public Registration rotateCredentials(String id) {
        Device device = get(id);
        String secret = Secrets.generate();
        String hash = Secrets.hash(secret);
        if (!repository.replaceSecret(device.id(), hash, now())) {
            throw new DeviceNotFoundException(id);
        }
        credentials.put(new Credential(device.id(), device.type(), hash));
        sessions.disconnect(device.id(), false);
        changeListeners.forEach(listener -> listener.accept(device.id()));
        return new Registration(device, device.id().value(), secret);
    }

    /** Registers a store that keeps data about devices and deletes it with the device; the root does, at start. */
    public void addDeletionListener(DeviceDeletionListener listener) {
        deletionListeners.add(listener);
    }

    /**
     * Told after a device was registered, after an operator changed its record (its type or tags may
     * select it for different rules now) and after it was deleted.
     */
    public void addChangeListener(Consumer<DeviceId> listener) {
        changeListeners.add(listener);
    }

    /**
     * Deletes the device, its credentials and everything stored about it, and closes its
     * connections and persistent session.
     *
     * <p>The other stores delete their data first and the registry entry goes last: a failure on the
     * way leaves the device registered (the caller sees the error and may retry), never data of a
     * device that no longer exists and whose id a new device could take.
     *
     * @throws DeviceNotFoundException if there is no such device
     */
    public void delete(String id) {
        DeviceId deviceId = parse(id);
        if (repository.find(deviceId).isEmpty()) {
            throw new DeviceNotFoundException(id);
        }
        for (DeviceDeletionListener listener : deletionListeners) {
            listener.deviceDeleted(deviceId);
        }
        if (!repository.delete(deviceId)) {
            throw new DeviceNotFoundException(id); // deleted meanwhile by another request
        }
        credentials.remove(deviceId);
        presence.forget(deviceId);
        changeListeners.forEach(listener -> listener.accept(deviceId));
        sessions.disconnect(deviceId, true);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static DeviceId parse(String id) {
        if (!DeviceId.isValid(id)) {
            throw new DeviceNotFoundException(id);
        }
        return DeviceId.of(id);
    }
}
