package io.edgeward.core.shadow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.shadow.internal.JsonTrees;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device shadows with the semantics of AWS IoT Device Shadow: partial updates that merge, {@code
 * null} deletes, arrays replace; optimistic concurrency on {@code version}; {@code clientToken}
 * echoed; per-key metadata timestamps; delta = desired keys that differ from reported. Every
 * version is kept (up to the retention) with who wrote it.
 *
 * <p>Updates to one device are serialized in this process; between nodes sharing a database, the
 * store's compare-and-set on the version decides, and an update without a version simply
 * re-applies on the newer shadow.
 */
public final class ShadowService implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> REQUEST_FIELDS = Set.of("state", "version", "clientToken");
    private static final int LOCK_STRIPES = 1024;
    private static final int MAX_ATTEMPTS = 10;
    private static final int RECENT_SHADOWS = 10_000;
    /** Longest wait for the group commit of one update; a store slower than this is reported unavailable. */
    private static final Duration SAVE_TIMEOUT = Duration.ofSeconds(30);

    private final ShadowRepository repository;
    private final DeviceRepository devices;
    private final ShadowSettings settings;
    private final Clock clock;
    private final List<ShadowListener> listeners = new CopyOnWriteArrayList<>();
    /** Serializes updates per device; locks, not monitors, so that waiting virtual threads unmount. */
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];

    private final ShadowWriter writer;
    /** The shadows this node wrote last, most recently used first; a cache of the store, never the authority. */
    private final Map<DeviceId, Shadow> recent = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<DeviceId, Shadow> eldest) {
            return size() > RECENT_SHADOWS;
        }
    });

    private final MeterRegistry meters;
    private final Map<ChangedBy, Counter> updates = new EnumMap<>(ChangedBy.class);

    public ShadowService(
            ShadowRepository repository,
            DeviceRepository devices,
            ShadowSettings settings,
            Clock clock,
            MeterRegistry meters,
            Threads threads) {
        this.meters = meters;
        for (ChangedBy by : ChangedBy.values()) {
            updates.put(
                    by,
                    Counter.builder("edgeward.shadow.updates")
                            .description("Accepted shadow updates, by who made them")
                            .tag("changed_by", by.wireName())
                            .register(meters));
        }
        this.repository = repository;
        this.devices = devices;
        this.settings = settings;
        this.clock = clock;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
        this.writer = new ShadowWriter(repository, meters, threads.platform("shadow-writer"));
    }

    /** Starts the group-commit writer; updates wait for it until then. */
    @Override
    public void start() {
        writer.start();
    }

    /** Transports register here to publish accepted updates, deltas and documents. */
    public void addListener(ShadowListener listener) {
        listeners.add(listener);
    }

    public ShadowSettings settings() {
        return settings;
    }

    /** The current shadow; version 0 and empty state for a registered device that has none yet. */
    public Shadow get(DeviceId device) {
        requireDevice(device);
        return repository.find(device).orElseGet(() -> Shadow.empty(device));
    }

    public List<ShadowVersion> history(DeviceId device, long beforeVersion, int limit) {
        requireDevice(device);
        return repository.history(device, beforeVersion, limit);
    }

    /** Parses and applies an update request as sent on {@code .../shadow/update} or by PATCH. */
    public ShadowUpdate update(DeviceId device, byte[] request, ChangedBy changedBy) {
        JsonNode parsed;
        try {
            parsed = parse(request);
        } catch (ShadowException e) {
            countRejection(e);
            throw e;
        }
        return update(device, parsed, changedBy);
    }

    /** Counts a refusal, also one decided by a transport before the request reached this service (unreadable JSON). */
    public void countRejection(ShadowException e) {
        Counter.builder("edgeward.shadow.rejected")
                .description(
                        "Refused shadow requests, by code (400 invalid, 404 unknown device, 409 conflict, 413 too large)")
                .tag("code", Integer.toString(e.code()))
                .register(meters)
                .increment();
    }

    /**
     * Applies {@code {"state":{"desired":{…},"reported":{…}},"version":N,"clientToken":"…"}}.
     *
     * @throws ShadowException with code 400, 404, 409 or 413
     */
    public ShadowUpdate update(DeviceId device, JsonNode request, ChangedBy changedBy) {
        ShadowUpdate update;
        try {
            Request parsed = validate(request);
            update = locked(device, () -> apply(device, parsed, changedBy));
        } catch (ShadowException e) {
            countRejection(e);
            throw e;
        }
        notifyListeners(update);
        return update;
    }

    /**
     * Folds the latest telemetry values into {@code reported}, without a version check and
     * without writing when nothing changes.
     *
     * @return the update, or empty when the shadow already held these values
     */
    public Optional<ShadowUpdate> report(DeviceId device, ObjectNode reported) {
        Request request = new Request(null, reported, null, null, true);
        ShadowUpdate update = locked(device, () -> apply(device, request, ChangedBy.TELEMETRY));
        if (update == null) {
            return Optional.empty();
        }
        notifyListeners(update);
        return Optional.of(update);
    }

    /**
     * Read, merge, compare-and-set. The shadow last written by this node is taken from memory; if
     * another node (or a deletion) changed it since, the compare-and-set fails, the entry is
     * dropped and the next attempt reads the store.
     */
    private ShadowUpdate apply(DeviceId device, Request request, ChangedBy changedBy) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Shadow current = recent.get(device);
            boolean remembered = current != null;
            if (!remembered) {
                requireDevice(device);
                current = repository.find(device).orElseGet(() -> Shadow.empty(device));
            }
            if (request.version != null && request.version != current.version()) {
                if (remembered) {
                    recent.remove(device);
                    continue; // decide on what the store holds, not on memory
                }
                throw new ShadowException(
                        409, "version conflict: the shadow is at version " + current.version(), current.version());
            }
            long now = clock.instant().getEpochSecond();
            Shadow next = next(current, request, now);
            if (request.skipIfUnchanged && next.sameStateAs(current)) {
                return null;
            }
            int size = next.state().toString().getBytes(StandardCharsets.UTF_8).length;
            if (size > settings.maxStateBytes()) {
                throw new ShadowException(
                        413,
                        "the shadow state would be " + size + " bytes; the limit is " + settings.maxStateBytes(),
                        current.version());
            }
            if (stored(new ShadowRepository.ShadowSave(
                    next, changedBy, request.clientToken, settings.historyVersions()))) {
                recent.put(device, next);
                return new ShadowUpdate(
                        current,
                        next,
                        ShadowDocuments.accepted(
                                request.desired, request.clearDesired, request.reported, next, request.clientToken),
                        request.clientToken,
                        changedBy);
            }
            recent.remove(device);
            if (request.version != null && !remembered) {
                Shadow winner = repository.find(device).orElse(current);
                throw new ShadowException(
                        409, "version conflict: the shadow is at version " + winner.version(), winner.version());
            }
        }
        throw new ShadowException(409, "the shadow kept changing under this update; try again", -1);
    }

    /** Whether the save won its compare-and-set, waited for within {@link #SAVE_TIMEOUT} (the device's lock is held meanwhile). */
    private boolean stored(ShadowRepository.ShadowSave save) {
        CompletableFuture<Boolean> committed = writer.save(save);
        try {
            return committed.get(SAVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while the update was being stored");
        } catch (ExecutionException e) {
            throw unavailable("the update could not be stored: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw unavailable("the store did not confirm the update within " + SAVE_TIMEOUT.toSeconds() + " s");
        }
    }

    private static ShadowException unavailable(String message) {
        return new ShadowException(503, message, -1);
    }

    private <T> T locked(DeviceId device, Supplier<T> action) {
        ReentrantLock lock = locks[Math.floorMod(device.hashCode(), LOCK_STRIPES)];
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /** Stores the updates still queued, then stops taking new ones. */
    @Override
    public void close() {
        writer.close();
    }

    private static Shadow next(Shadow current, Request request, long now) {
        ObjectNode desired = current.desired();
        ObjectNode desiredMetadata = current.desiredMetadata();
        if (request.clearDesired) {
            desired = NODES.objectNode();
            desiredMetadata = NODES.objectNode();
        } else if (request.desired != null) {
            desired = JsonTrees.merge(desired, request.desired);
            desiredMetadata = JsonTrees.stamp(desiredMetadata, request.desired, now);
        }
        ObjectNode reported = current.reported();
        ObjectNode reportedMetadata = current.reportedMetadata();
        if (request.reported != null) {
            reported = JsonTrees.merge(reported, request.reported);
            reportedMetadata = JsonTrees.stamp(reportedMetadata, request.reported, now);
        }
        return new Shadow(
                current.device(), desired, reported, desiredMetadata, reportedMetadata, current.version() + 1, now);
    }

    private void requireDevice(DeviceId device) {
        if (devices.find(device).isEmpty()) {
            throw new ShadowException(404, "device '" + device + "' is not registered", -1);
        }
    }

    private void notifyListeners(ShadowUpdate update) {
        updates.get(update.changedBy()).increment();
        for (ShadowListener listener : listeners) {
            try {
                listener.updated(update);
            } catch (RuntimeException e) {
                LOG.warn(
                        "A shadow listener failed for device '{}': {}",
                        update.current().device(),
                        e.toString());
            }
        }
    }

    private static JsonNode parse(byte[] request) {
        try {
            JsonNode node = JSON.readTree(request);
            if (node == null) {
                throw ShadowException.invalid("the request is empty; expected a JSON object with \"state\"");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ShadowException.invalid("invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ShadowException.invalid("unreadable request: " + e.getMessage());
        }
    }

    private Request validate(JsonNode request) {
        if (!(request instanceof ObjectNode object)) {
            throw ShadowException.invalid("the request must be a JSON object with \"state\"");
        }
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!REQUEST_FIELDS.contains(name)) {
                throw ShadowException.invalid("unknown field '" + name + "'; expected state, version, clientToken");
            }
        }
        String clientToken = null;
        JsonNode token = object.get("clientToken");
        if (token != null && !token.isNull()) {
            if (!token.isTextual() || token.asText().length() > ShadowDocuments.MAX_CLIENT_TOKEN) {
                throw ShadowException.invalid(
                        "clientToken must be a string of at most " + ShadowDocuments.MAX_CLIENT_TOKEN + " characters");
            }
            clientToken = token.asText();
        }
        Long version = null;
        JsonNode v = object.get("version");
        if (v != null && !v.isNull()) {
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw ShadowException.invalid("version must be a non-negative integer");
            }
            version = v.asLong();
        }
        if (!(object.get("state") instanceof ObjectNode state)) {
            throw ShadowException.invalid("state must be an object with desired and/or reported");
        }
        ObjectNode desired = null;
        ObjectNode reported = null;
        boolean clearDesired = false;
        for (Iterator<String> names = state.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            JsonNode section = state.get(name);
            switch (name) {
                case "desired" -> {
                    if (section.isNull()) {
                        clearDesired = true;
                    } else {
                        desired = section(name, section);
                    }
                }
                case "reported" -> {
                    if (!section.isNull()) {
                        reported = section(name, section);
                    }
                }
                case "delta" ->
                    throw ShadowException.invalid("state.delta is computed by the platform and cannot be written");
                default ->
                    throw ShadowException.invalid("unknown state section '" + name + "'; expected desired or reported");
            }
        }
        if (desired == null && reported == null && !clearDesired) {
            throw ShadowException.invalid("state must contain desired or reported");
        }
        return new Request(desired, reported, version, clientToken, false, clearDesired);
    }

    private ObjectNode section(String name, JsonNode section) {
        if (!(section instanceof ObjectNode object)) {
            throw ShadowException.invalid("state." + name + " must be an object or null");
        }
        if (JsonTrees.depth(object) > settings.maxDepth()) {
            throw ShadowException.invalid(
                    "state." + name + " is nested deeper than " + settings.maxDepth() + " levels");
        }
        return object;
    }

    private record Request(
            ObjectNode desired,
            ObjectNode reported,
            Long version,
            String clientToken,
            boolean skipIfUnchanged,
            boolean clearDesired) {
        Request(ObjectNode desired, ObjectNode reported, Long version, String clientToken, boolean skipIfUnchanged) {
            this(desired, reported, version, clientToken, skipIfUnchanged, false);
        }
    }
}
