package io.edgeward.core.device;

import io.edgeward.core.device.internal.CredentialIndex;
import io.edgeward.core.device.internal.Secrets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
    private final List<OriginListener> originListeners = new CopyOnWriteArrayList<>();

    /**
     * Where a change of a record came from: made on this node, or applied from the other node of a
     * sync link (an edge this node receives, or the node this edge forwards to).
     */
    public enum Origin {
        LOCAL,
        FROM_EDGE,
        FROM_CLOUD
    }

    private record OriginListener(Set<Origin> origins, Consumer<DeviceId> listener) {}

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
        return register(request, new RecordChange(now(), null), Origin.LOCAL);
    }

    private Registration register(NewDevice request, RecordChange change, Origin origin) {
        String secret = Secrets.generate();
        Device device = fromRecord(request, change, DeviceStatus.OFFLINE, now());
        String hash = Secrets.hash(secret);
        repository.insert(device, hash);
        credentials.put(new Credential(device.id(), device.type(), hash));
        changed(device.id(), origin);
        return new Registration(device, device.id().value(), secret);
    }

    private static Device fromRecord(NewDevice record, RecordChange change, DeviceStatus status, Instant registeredAt) {
        return new Device(
                record.id(),
                record.name(),
                record.type(),
                record.model(),
                record.firmwareVersion(),
                status,
                record.location(),
                null,
                registeredAt,
                record.metadata(),
                record.tags(),
                change.at(),
                change.basedOn(),
                null);
    }

    /**
     * At an edge: a device registered or changed at the node this edge forwards to, with the stored
     * hash of its secret (never the secret) when the node manages its credential, so that it
     * connects here with the credentials the cloud gave it. A different hash is a rotation: the old
     * secret stops working and its connections end. The record is merged as {@link #merge} says,
     * the node's winning a tie; the credential is the node's, whatever the record.
     *
     * @param secretHash null when the edge owns the device's credential (it registered it)
     * @throws IllegalArgumentException for an unknown device offered without a credential
     */
    public Synced applyFromCloud(NewDevice record, String secretHash, RecordChange change) {
        Optional<Device> current = repository.find(record.id());
        if (current.isEmpty()) {
            if (secretHash == null) {
                throw new IllegalArgumentException("an unknown device without its credential");
            }
            Device device = fromRecord(record, change, DeviceStatus.OFFLINE, now());
            repository.insert(device, secretHash);
            credentials.put(new Credential(device.id(), device.type(), secretHash));
            changed(device.id(), Origin.FROM_CLOUD);
            return new Synced(device, null);
        }
        Synced synced = merge(current.get(), record, change, Origin.FROM_CLOUD);
        if (secretHash != null
                && !secretHash.equals(repository.secretHash(record.id()).orElse(null))) {
            Device device = synced.device();
            repository.replaceSecret(record.id(), secretHash, now());
            credentials.put(new Credential(device.id(), device.type(), secretHash));
            sessions.disconnect(device.id(), false);
        }
        return synced;
    }

    /** The stored hash of the device's secret: what an edge needs to let the device connect there. */
    public Optional<String> secretHash(DeviceId id) {
        return repository.secretHash(id);
    }

    /**
     * At a node receiving edges: the device as its edge changed it (the caller checked that the
     * device is that edge's). Registered when new, with a secret nobody learns (it connects to its
     * edge, not here); otherwise merged as {@link #merge} says, this node winning a tie.
     */
    public Synced applyFromEdge(NewDevice record, RecordChange change) {
        Optional<Device> current = repository.find(record.id());
        if (current.isEmpty()) {
            try {
                return new Synced(register(record, change, Origin.FROM_EDGE).device(), null);
            } catch (DeviceAlreadyExistsException e) {
                current = repository.find(record.id());
                if (current.isEmpty()) {
                    throw e;
                }
            }
        }
        return merge(current.get(), record, change, Origin.FROM_EDGE);
    }

    /**
     * What became of a record offered by the other node of a sync link.
     *
     * @param device the record as it stands here now
     * @param conflict when the two were changed apart (the caller records it); null otherwise
     */
    public record Synced(Device device, Conflict conflict) {}

    /**
     * A record changed on both nodes apart: the newer change stands on both, the other is recorded.
     *
     * @param keptHere true when this node's change was the newer and the offered one was not applied
     */
    public record Conflict(Device kept, Device lost, boolean keptHere) {}

    /**
     * Merges an offered record into the current one: a change made on the current version replaces
     * it (whatever the clocks say); the version the current one was made on is stale and ignored;
     * two changes made apart on the same version conflict, and the newer wins ({@code currentWinsTie}
     * on the same millisecond: the node edges forward to).
     */
    private Synced merge(Device was, NewDevice record, RecordChange change, Origin origin) {
        // This node wins a tie against an edge; the node an edge forwards to wins it there.
        boolean currentWinsTie = origin == Origin.FROM_EDGE;
        Device offered = fromRecord(record, change, was.status(), was.registeredAt());
        Device next = new Device(
                was.id(),
                offered.name(),
                offered.type(),
                offered.model(),
                offered.firmwareVersion(),
                was.status(),
                offered.location(),
                was.lastSeen(),
                was.registeredAt(),
                offered.metadata(),
                offered.tags(),
                change.at(),
                change.basedOn(),
                was.edge());
        if (next.sameRecord(was)) {
            return new Synced(was, null);
        }
        if (change.at().equals(was.basedOn())) {
            return new Synced(was, null); // the version this one replaced
        }
        // A placeholder (a device known from its points before its record, changed at the epoch) is
        // no version anybody made: any record replaces it.
        boolean descendant =
                was.updatedAt().equals(change.basedOn()) || was.updatedAt().equals(Instant.EPOCH);
        if (!descendant) {
            int order = was.updatedAt().compareTo(change.at());
            if (order > 0 || (order == 0 && currentWinsTie)) {
                return new Synced(was, new Conflict(was, offered, true));
            }
        }
        repository.update(next);
        if (next.type() != was.type()) {
            repository
                    .secretHash(next.id())
                    .ifPresent(hash -> credentials.put(new Credential(next.id(), next.type(), hash)));
        }
        changed(next.id(), origin);
        return new Synced(next, descendant ? null : new Conflict(next, was, false));
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
        if (patch.changesRecord() && !repository.update(patch.applyTo(current).changedAt(now()))) {
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
            changed(current.id(), Origin.LOCAL);
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
        changed(device.id(), Origin.LOCAL);
        return new Registration(device, device.id().value(), secret);
    }

    /**
     * Like {@link #addChangeListener}, but told only of changes from these origins: what an edge
     * sends up is what was made on it or came from edges behind it, never what came from above, and
     * what goes down the other way, so nothing echoes back to where it came from.
     */
    public void addChangeListener(Set<Origin> origins, Consumer<DeviceId> listener) {
        originListeners.add(new OriginListener(Set.copyOf(origins), listener));
    }

    private void changed(DeviceId device, Origin origin) {
        changeListeners.forEach(listener -> listener.accept(device));
        for (OriginListener listener : originListeners) {
            if (listener.origins().contains(origin)) {
                listener.listener().accept(device);
            }
        }
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
        delete(id, Origin.LOCAL);
    }

    /**
     * Deletes the device as {@link #delete(String)} does, because the other node of a sync link
     * deleted it (listeners of that origin's changes are told, the others not).
     */
    public void delete(String id, Origin origin) {
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
        changed(deviceId, origin);
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
