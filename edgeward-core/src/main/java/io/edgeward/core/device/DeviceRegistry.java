package io.edgeward.core.device;

import io.edgeward.core.device.internal.Secrets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Registers devices, issues their credentials and answers authentication questions. */
public final class DeviceRegistry {

    private final DeviceRepository repository;
    private final Clock clock;

    public DeviceRegistry(DeviceRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
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
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                request.metadata(),
                request.tags());
        repository.insert(device, Secrets.hash(secret));
        return new Registration(device, device.id().value(), secret);
    }

    /**
     * The device, when {@code secret} is its current secret; empty for an unknown device or a wrong
     * secret alike, so that callers cannot tell the two apart to a client probing for ids.
     */
    public Optional<Device> authenticate(DeviceId id, String secret) {
        if (secret == null) {
            return Optional.empty();
        }
        Optional<String> hash = repository.secretHash(id);
        if (hash.isEmpty() || !Secrets.matches(secret, hash.get())) {
            return Optional.empty();
        }
        return repository.find(id);
    }

    public Optional<Device> find(DeviceId id) {
        return repository.find(id);
    }

    public Device get(String id) {
        if (!DeviceId.isValid(id)) {
            throw new DeviceNotFoundException(id);
        }
        return repository.find(DeviceId.of(id)).orElseThrow(() -> new DeviceNotFoundException(id));
    }

    public List<Device> list(int limit, DeviceId after) {
        return repository.list(limit, after);
    }
}
