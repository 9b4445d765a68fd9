package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.NewCommand;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceNotFoundException;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: applies what comes down from the cloud. A command becomes a command of this node
 * for its device, keyed by the cloud's command id (a resent command is not run twice), and its
 * outcome goes back up the high stream ({@link EdgeEvents#commandEnded}); a desired shadow change
 * is merged key by key, the newer write winning ({@link ShadowMerge}).
 */
public final class EdgeDownlink implements Downlink {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeDownlink.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The idempotency key of a command that came from the cloud: this prefix and the cloud's id. */
    static final String CLOUD_KEY = "cloud:";

    private final DeviceRegistry registry;
    private final CommandService commands;
    private final ShadowService shadows;
    private final EdgeEvents events;
    private final Resync resync;
    private final EdgeConfigApplier configs;
    private final RateLimitedLog refusals = RateLimitedLog.perMinute();

    public EdgeDownlink(
            DeviceRegistry registry,
            CommandService commands,
            ShadowService shadows,
            EdgeEvents events,
            Resync resync,
            EdgeConfigApplier configs) {
        this.configs = configs;
        this.registry = registry;
        this.commands = commands;
        this.shadows = shadows;
        this.events = events;
        this.resync = resync;
    }

    private final Map<String, Downlink> handlers = new java.util.concurrent.ConcurrentHashMap<>();

    /** What comes down of this kind goes to {@code handler} (registered by the root, before the uplink starts). */
    public void handle(String kind, Downlink handler) {
        handlers.put(kind, handler);
    }

    @Override
    public void received(String kind, String device, byte[] payload) {
        Downlink handler = handlers.get(kind);
        if (handler != null) {
            handler.received(kind, device, payload);
            return;
        }
        try {
            JsonNode document = JSON.readTree(payload);
            if (kind.equals("config")) {
                configs.received(payload);
                return;
            }
            if (kind.equals("resync")) {
                resync.start(
                        device.equals(EdgeRelay.ALL) ? null : device,
                        document.path("from").asLong(0),
                        document.path("to").asLong(Long.MAX_VALUE));
                return;
            }
            DeviceId id = DeviceId.of(device);
            switch (kind) {
                case "command" -> command(id, document);
                case "device" -> device(id, document);
                case "shadow" -> shadow(id, document);
                default -> refused(device, "unknown kind '" + kind + "'");
            }
        } catch (IOException
                | IllegalArgumentException
                | IllegalStateException
                | ShadowException
                | io.edgeward.core.device.DeviceNotFoundException e) {
            refused(device, e.getMessage());
        }
    }

    private void command(DeviceId device, JsonNode document) {
        String cloudId = document.path("command_id").asText("");
        if (cloudId.isEmpty()) {
            refused(device.value(), "a command without command_id");
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> parameters = document.path("parameters").isObject()
                ? JSON.convertValue(document.get("parameters"), Map.class)
                : Map.of();
        try {
            commands.submit(
                    device,
                    new NewCommand(document.path("type").asText(""), parameters, null, null, CLOUD_KEY + cloudId));
        } catch (DeviceNotFoundException | IllegalArgumentException e) {
            // The cloud's command must end too: its outcome goes up as any other.
            events.commandRefused(device, cloudId, e.getMessage());
        }
    }

    /**
     * A device registered, changed, given new credentials or deleted in the cloud. A record changed
     * here too while apart: the newer change stands, the other is recorded in this edge's sync
     * events (the cloud sees the same conflict when this edge's record reaches it).
     */
    private void device(DeviceId device, JsonNode document) {
        if (document.path("deleted").asBoolean(false)) {
            if (registry.find(device).isPresent()) {
                registry.delete(device.value(), DeviceRegistry.Origin.FROM_CLOUD);
            }
            return;
        }
        String hash = document.path("secret_hash").asText("");
        NewDevice record = DeviceDocuments.read(device, document);
        DeviceRegistry.Synced synced =
                registry.applyFromCloud(record, hash.isEmpty() ? null : hash, DeviceDocuments.change(document));
        if (synced.conflict() != null) {
            events.conflict(device, synced.conflict());
        }
    }

    private void shadow(DeviceId device, JsonNode document) {
        ObjectNode request = ShadowMerge.newer(shadows.get(device), document, true);
        if (request != null) {
            shadows.update(device, request, ChangedBy.SYNC);
        }
    }

    private void refused(String device, String reason) {
        if (refusals.allow(device)) {
            LOG.warn(
                    "Refused a message from the cloud for device '{}': {} (not logged again for a minute)",
                    device,
                    reason);
        }
    }
}
