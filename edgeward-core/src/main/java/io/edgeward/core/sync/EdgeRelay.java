package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.CommandTransport;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.device.Registration;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.rules.LocalPublisher;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowUpdate;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a node receiving edges: what goes down to a device behind an edge, through the edge's own
 * connection ({@code edge/{edge}/down/...}, QoS 1).
 *
 * <ul>
 *   <li>Commands: a transport of the command service. A device is reachable while its edge is
 *       connected here; otherwise its commands wait, durably, in the command queue as any offline
 *       device's do, and go when the edge subscribes again ({@link #edgeReady}). The edge runs the
 *       command with its device and reports the outcome up its high stream.
 *   <li>Desired shadow changes made here: sent as they happen while the edge is connected, and the
 *       whole desired state of each of its devices when it comes back; the edge merges key by key,
 *       the newer write winning ({@link ShadowMerge}).
 * </ul>
 */
public final class EdgeRelay implements CommandTransport {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeRelay.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Outbox store;
    private final DeviceRegistry registry;
    private final Presence presence;
    private final Clock clock;
    private final CommandService commands;
    private final ShadowService shadows;
    private volatile LocalPublisher publisher = LocalPublisher.NONE;
    private final RateLimitedLog failures = RateLimitedLog.perMinute();
    /** Device → its edge, for devices known to be attached (an attachment never moves). */
    private final Map<DeviceId, String> edges = new ConcurrentHashMap<>();
    /** Device → registered here for its edge (its record and credential go down), as far as looked up. */
    private final Map<DeviceId, Boolean> managed = new ConcurrentHashMap<>();

    /**
     * True for a device registered here for its edge; false for one learnt from the edge, whose
     * record and credential the edge owns (the cloud never overwrites them).
     */
    private boolean managed(DeviceId device, String edge) {
        return managed.computeIfAbsent(device, d -> store.managedDevicesOf(edge).contains(d));
    }

    public EdgeRelay(
            Outbox store,
            DeviceRegistry registry,
            Presence presence,
            CommandService commands,
            ShadowService shadows,
            Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
        this.presence = presence;
        this.commands = commands;
        this.shadows = shadows;
    }

    /** The broker edges connect to publishes what goes down (registered by the root once it exists). */
    public void usePublisher(LocalPublisher publisher) {
        this.publisher = publisher;
    }

    /**
     * Asks an edge to send a device's (or, with null, every device's) history for a time range
     * again; it must be connected.
     *
     * @return false when the edge is not connected here
     */
    public boolean resync(String edge, String device, long from, long to) {
        if (!ready(edge)) {
            return false;
        }
        String body = "{\"from\":" + from + ",\"to\":" + to + "}";
        publisher.publish(
                downTopic(edge) + "resync/" + (device == null ? ALL : device),
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                1,
                false);
        return true;
    }

    /** The device part of a resync request for every device. */
    static final String ALL = "_all";

    /** The topic prefix of what goes down to an edge. */
    public static String downTopic(String edge) {
        return "edge/" + edge + "/down/";
    }

    /** True while the device's edge is connected here. */
    public boolean reachable(DeviceId device) {
        return edgeOf(device).map(edge -> ready(edge)).orElse(false);
    }

    @Override
    public CompletableFuture<Boolean> send(DeviceId device, byte[] document) {
        Optional<String> edge = edgeOf(device);
        if (edge.isEmpty() || !ready(edge.get())) {
            return CompletableFuture.completedFuture(false);
        }
        try {
            publisher.publish(downTopic(edge.get()) + "command/" + device.value(), document, 1, false);
            return CompletableFuture.completedFuture(true);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(false);
        }
    }

    /**
     * Registers a device here for a device behind {@code edge} (an operator adds it in the cloud):
     * attached to that edge, its record and credential sent down now or when the edge returns.
     *
     * @throws IllegalArgumentException when {@code edge} is no gateway device of this node
     */
    public Registration registerFor(String edge, NewDevice device) {
        boolean gateway = registry.find(DeviceId.of(edge))
                .map(found -> found.type() == DeviceType.GATEWAY)
                .orElse(false);
        if (!gateway) {
            throw new IllegalArgumentException("edge '" + edge + "' is no gateway device of this node");
        }
        // Attached before the registry tells its listeners, so the record goes down at once.
        edges.put(device.id(), edge);
        managed.put(device.id(), true);
        Registration registration;
        try {
            registration = registry.register(device);
        } catch (RuntimeException e) {
            edges.remove(device.id());
            managed.remove(device.id());
            throw e;
        }
        store.attach(device.id(), edge, true);
        deviceChanged(device.id());
        return registration;
    }

    /**
     * The registry's listener of changes made here: a device behind an edge registered, edited or
     * given new credentials here goes down to its edge, with the stored hash of its secret when it
     * was registered here (a revocation reaches the edge this way). The edge keeps the newer of its
     * record and this one.
     */
    public void deviceChanged(DeviceId device) {
        Optional<String> edge = edgeOf(device);
        if (edge.isPresent() && ready(edge.get())) {
            sendDevice(edge.get(), device, managed(device, edge.get()));
        }
    }

    /**
     * The receiver kept this node's record of a device over an older one its edge sent (edited on
     * both sides while apart): the newer goes down, so that both sides hold it.
     */
    public void keptNewer(DeviceId device) {
        deviceChanged(device);
    }

    private void sendDevice(String edge, DeviceId id, boolean withCredential) {
        Optional<Device> device = registry.find(id);
        Optional<String> hash = withCredential ? registry.secretHash(id) : Optional.empty();
        if (device.isEmpty() || (withCredential && hash.isEmpty())) {
            return;
        }
        ObjectNode document = DeviceDocuments.record(device.get());
        hash.ifPresent(h -> document.put("secret_hash", h));
        publishDown(edge, "device/" + id.value(), document);
    }

    private void publishDown(String edge, String path, ObjectNode document) {
        try {
            publisher.publish(downTopic(edge) + path, JSON.writeValueAsBytes(document), 1, false);
        } catch (Exception e) {
            if (failures.allow(path)) {
                LOG.warn("Could not send {} down to edge '{}': {}", path, edge, e.getMessage());
            }
        }
    }

    /**
     * The edge subscribed to what goes down to it: send what waited for its devices. Records edited
     * here while it was away go again: every record changed since it last subscribed (all of them
     * the first time after this node starts), and those registered here for it, with their
     * credentials, always.
     */
    public void edgeReady(DeviceId edge) {
        ready.add(edge.value());
        readyListeners.forEach(listener -> listener.accept(edge.value()));
        long now = clock.millis();
        Long before = subscribed.put(edge.value(), now);
        long changedSince = before == null ? Long.MIN_VALUE : before - CLOCK_MARGIN_MS;
        for (DeviceId deleted : store.deletionsFor(edge.value(), now - TimeUnit.DAYS.toMillis(TOMBSTONE_DAYS))) {
            sendDeletion(edge.value(), deleted);
        }
        // Records and credentials first: devices registered here for the edge while it was away.
        Set<DeviceId> sent = new HashSet<>();
        for (DeviceId device : store.managedDevicesOf(edge.value())) {
            managed.put(device, true);
            sendDevice(edge.value(), device, true);
            sent.add(device);
        }
        for (DeviceId device : store.devicesOf(edge.value())) {
            edges.put(device, edge.value());
            if (!sent.contains(device)) {
                managed.putIfAbsent(device, false);
                registry.find(device)
                        .filter(found -> found.updatedAt().toEpochMilli() >= changedSince)
                        .ifPresent(found -> sendDevice(edge.value(), device, false));
            }
            commands.deviceReady(device);
            Shadow shadow = shadows.get(device);
            if (!shadow.desired().isEmpty()) {
                ObjectNode document = JSON.createObjectNode();
                document.putObject("state").set("desired", shadow.desired().deepCopy());
                document.putObject("metadata")
                        .set("desired", shadow.desiredMetadata().deepCopy());
                sendShadow(edge.value(), device, document);
            }
        }
    }

    private final List<Consumer<String>> readyListeners = new CopyOnWriteArrayList<>();

    /** Told when an edge subscribes to what goes down to it (it connected again). */
    public void addReadyListener(Consumer<String> listener) {
        readyListeners.add(listener);
    }

    /**
     * Sends an edge's configuration version down, if the edge is connected (otherwise it goes when
     * the edge returns: {@link EdgeConfigs#edgeReady}).
     */
    void sendConfig(String edge, long version, String document) {
        if (!ready(edge)) {
            return;
        }
        try {
            ObjectNode message = JSON.createObjectNode();
            message.put("version", version);
            message.set("document", JSON.readTree(document));
            publishDown(edge, "config/" + ALL, message);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Edges connected here and subscribed to what goes down to them: only then is anything sent (a
     * message published between an edge's connection and its subscription would reach nobody).
     */
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    private boolean ready(String edge) {
        return ready.contains(edge) && presence.isConnected(DeviceId.of(edge));
    }

    /** The presence listener: an edge that went offline is no longer ready (until it subscribes again). */
    public void presenceChanged(DeviceId device, io.edgeward.core.device.DeviceStatus status) {
        if (status != io.edgeward.core.device.DeviceStatus.ONLINE) {
            ready.remove(device.value());
        }
    }

    /** Edge → when it last subscribed here (this node's clock). */
    private final Map<String, Long> subscribed = new ConcurrentHashMap<>();

    /** How far back from the last subscription records are sent again (clocks of two nodes). */
    private static final long CLOCK_MARGIN_MS = TimeUnit.MINUTES.toMillis(5);

    /** A shadow listener: a desired change made here goes down at once when the edge is connected. */
    public void shadowChanged(ShadowUpdate update) {
        if (update.changedBy() == ChangedBy.EDGE
                || !update.accepted().path("state").has("desired")) {
            return;
        }
        DeviceId device = update.current().device();
        Optional<String> edge = edgeOf(device);
        if (edge.isEmpty() || !ready(edge.get())) {
            return; // it goes with the whole desired state when the edge is back
        }
        ObjectNode document = JSON.createObjectNode();
        document.putObject("state")
                .set("desired", update.accepted().path("state").path("desired").deepCopy());
        document.set(
                "metadata",
                JSON.createObjectNode()
                        .set(
                                "desired",
                                update.accepted()
                                        .path("metadata")
                                        .path("desired")
                                        .deepCopy()));
        sendShadow(edge.get(), device, document);
    }

    private void sendShadow(String edge, DeviceId device, ObjectNode document) {
        try {
            publisher.publish(downTopic(edge) + "shadow/" + device.value(), JSON.writeValueAsBytes(document), 1, false);
        } catch (Exception e) {
            if (failures.allow("shadow")) {
                LOG.warn(
                        "Could not send the desired shadow of '{}' down to edge '{}': {}",
                        device,
                        edge,
                        e.getMessage());
            }
        }
    }

    /** The edge a device is behind, if any. */
    Optional<String> edgeOfDevice(DeviceId device) {
        return edgeOf(device);
    }

    /** True while the edge is connected here. */
    boolean connected(String edge) {
        return ready(edge);
    }

    /** The devices behind an edge. */
    List<DeviceId> devicesOf(String edge) {
        return store.devicesOf(edge);
    }

    /** Publishes {@code edge/{edge}/down/{path}} (QoS 1); false when it could not be handed over. */
    boolean sendDown(String edge, String path, byte[] payload) {
        try {
            publisher.publish(downTopic(edge) + path, payload, 1, false);
            return true;
        } catch (RuntimeException e) {
            if (failures.allow(path)) {
                LOG.warn("Could not send {} down to edge '{}': {}", path, edge, e.getMessage());
            }
            return false;
        }
    }

    private Optional<String> edgeOf(DeviceId device) {
        String known = edges.get(device);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> stored = store.edgeOf(device);
        stored.ifPresent(edge -> edges.put(device, edge));
        return stored;
    }

    /**
     * The registry's deletion listener, told before the record and its attachment go: the edge
     * deletes the device too, now if it is connected, and again each time it returns for {@link
     * #TOMBSTONE_DAYS} days (the deletion is kept as a tombstone; deleting an unknown device is
     * nothing at the edge), so a deletion made while it is away is not lost.
     */
    public void forget(DeviceId device) {
        Optional<String> edge = edgeOf(device).filter(e -> managed(device, e));
        edges.remove(device);
        managed.remove(device);
        edge.ifPresent(e -> {
            store.recordDeletion(e, device, clock.millis());
            if (ready(e)) {
                sendDeletion(e, device);
            }
        });
    }

    /** How long a deletion is sent again to an edge that returns. */
    static final int TOMBSTONE_DAYS = 30;

    private void sendDeletion(String edge, DeviceId device) {
        publishDown(edge, "device/" + device.value(), JSON.createObjectNode().put("deleted", true));
    }
}
