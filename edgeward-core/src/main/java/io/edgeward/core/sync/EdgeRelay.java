package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.CommandTransport;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.Presence;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.rules.LocalPublisher;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowUpdate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Presence presence;
    private final CommandService commands;
    private final ShadowService shadows;
    private volatile LocalPublisher publisher = LocalPublisher.NONE;
    private final RateLimitedLog failures = RateLimitedLog.perMinute();
    /** Device → its edge, for devices known to be attached (an attachment never moves). */
    private final Map<DeviceId, String> edges = new ConcurrentHashMap<>();

    public EdgeRelay(Outbox store, Presence presence, CommandService commands, ShadowService shadows) {
        this.store = store;
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
        if (!presence.isConnected(DeviceId.of(edge))) {
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
        return edgeOf(device)
                .map(edge -> presence.isConnected(DeviceId.of(edge)))
                .orElse(false);
    }

    @Override
    public CompletableFuture<Boolean> send(DeviceId device, byte[] document) {
        Optional<String> edge = edgeOf(device);
        if (edge.isEmpty() || !presence.isConnected(DeviceId.of(edge.get()))) {
            return CompletableFuture.completedFuture(false);
        }
        try {
            publisher.publish(downTopic(edge.get()) + "command/" + device.value(), document, 1, false);
            return CompletableFuture.completedFuture(true);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(false);
        }
    }

    /** The edge subscribed to what goes down to it: send what waited for its devices. */
    public void edgeReady(DeviceId edge) {
        for (DeviceId device : store.devicesOf(edge.value())) {
            edges.put(device, edge.value());
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

    /** A shadow listener: a desired change made here goes down at once when the edge is connected. */
    public void shadowChanged(ShadowUpdate update) {
        if (update.changedBy() == ChangedBy.SYNC
                || !update.accepted().path("state").has("desired")) {
            return;
        }
        DeviceId device = update.current().device();
        Optional<String> edge = edgeOf(device);
        if (edge.isEmpty() || !presence.isConnected(DeviceId.of(edge.get()))) {
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

    private Optional<String> edgeOf(DeviceId device) {
        String known = edges.get(device);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> stored = store.edgeOf(device);
        stored.ifPresent(edge -> edges.put(device, edge));
        return stored;
    }

    /** The device was deleted: forget its edge. */
    public void forget(DeviceId device) {
        edges.remove(device);
    }
}
