package io.edgeward.mqtt.internal.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.command.CommandResponseException;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.logs.LogRefusedException;
import io.edgeward.core.ota.OtaDocuments;
import io.edgeward.core.ota.OtaRefusedException;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowDocuments;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.mqtt.internal.Topics;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One connection's shadow requests and command traffic, in MQTT's terms but no broker's: what
 * arrives (a request, a PUBACK of a command, a SUBSCRIBE and its SUBACK) goes in as topics, packet
 * ids and payloads, and what the device must be answered comes out as a future or an
 * {@link Outcome} with an MQTT 5 reason code. {@link DeviceRequests} adapts it to HiveMQ's
 * interceptors; a client of an external broker can drive the same handler.
 *
 * <p>Shadow requests run off the caller's thread, a connection's in the order they arrived; their
 * answers go out through {@link Replies} (accepted, rejected, delta).
 */
public final class DeviceRequestHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the device's request ended, as the reason code its acknowledgement carries (MQTT 5, 3.4.2.1). */
    public record Outcome(int reasonCode, String reason) {
        public static final Outcome SUCCESS = new Outcome(0x00, null);
        public static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
        public static final int NOT_AUTHORIZED = 0x87;
        public static final int QUOTA_EXCEEDED = 0x97;
        public static final int PAYLOAD_FORMAT_INVALID = 0x99;

        public boolean succeeded() {
            return reasonCode < 0x80;
        }
    }

    /** Where answers to shadow requests go: the {@code …/accepted}, {@code …/rejected} and {@code update/delta} topics. */
    public interface Replies {
        void accepted(DeviceId device, String operation, ObjectNode document);

        void rejected(DeviceId device, String operation, ShadowException refusal, String clientToken);

        void delta(Shadow shadow, String clientToken);

        /** Chunk {@code index} of the device's image, to that device only. */
        CompletableFuture<Void> otaChunk(DeviceId device, long index, byte[] data);
    }

    private final DeviceId self;
    private final ShadowService shadows;
    private final CommandService commands;
    private final Rollouts rollouts;
    private final Replies replies;
    private final Executor blocking;
    /** Commands in flight to this device, by packet id, until its PUBACK. */
    private final Map<Integer, String> commandsInFlight = new ConcurrentHashMap<>();
    /** SUBSCRIBE packets that asked for the command topic, until their SUBACK. */
    private final Set<Integer> commandSubscriptions = ConcurrentHashMap.newKeySet();

    private final Set<Integer> downSubscriptions = ConcurrentHashMap.newKeySet();
    private final Consumer<DeviceId> edgeReady;
    private final DeviceLogs logs;
    /** The last shadow request of this connection; the next one runs after it. Written only by the connection's inbound thread. */
    private CompletableFuture<Void> shadowRequests = CompletableFuture.completedFuture(null);

    /**
     * @param self the device behind this connection; null for users and anonymous clients
     * @param edgeReady told when an edge (a gateway device) subscribed to what goes down to it
     * @param logs where device logs go; null when this node keeps none
     */
    public DeviceRequestHandler(
            DeviceId self,
            ShadowService shadows,
            CommandService commands,
            Rollouts rollouts,
            Replies replies,
            Executor blocking,
            Consumer<DeviceId> edgeReady,
            DeviceLogs logs) {
        this.self = self;
        this.logs = logs;
        this.edgeReady = edgeReady;
        this.shadows = shadows;
        this.commands = commands;
        this.rollouts = rollouts;
        this.replies = replies;
        this.blocking = blocking;
    }

    /**
     * A shadow get or update, run after the connection's previous one whatever its outcome; the
     * future completes once it is stored (or refused, and the refusal published), which is when
     * its acknowledgement may leave. Called on the connection's inbound thread, in arrival order.
     */
    public CompletableFuture<Void> shadowRequest(DeviceTopics request, byte[] payload) {
        Runnable work = request.kind() == DeviceTopics.Kind.SHADOW_GET
                ? () -> get(request.device(), payload)
                : () -> update(request.device(), payload);
        CompletableFuture<Void> done =
                shadowRequests.handle((ignored, error) -> null).thenRunAsync(work, blocking);
        shadowRequests = done;
        return done;
    }

    /** A command response: stored, or refused with the reason its acknowledgement carries. */
    public CompletableFuture<Outcome> commandResponse(DeviceId device, byte[] payload) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        commands.respond(device, payload);
                        return Outcome.SUCCESS;
                    } catch (CommandResponseException e) {
                        return new Outcome(
                                e.reason() == CommandResponseException.Reason.MALFORMED
                                        ? Outcome.PAYLOAD_FORMAT_INVALID
                                        : Outcome.IMPLEMENTATION_SPECIFIC_ERROR,
                                e.getMessage());
                    }
                },
                blocking);
    }

    /**
     * Log lines of the device ({@code device/{id}/log}): done once they are stored (0x99 when they do
     * not read, 0x97 over the device's rate, 0x87 for another device's topic).
     */
    public CompletableFuture<Outcome> log(DeviceId device, byte[] payload) {
        if (self == null || !self.equals(device)) {
            return CompletableFuture.completedFuture(
                    new Outcome(Outcome.NOT_AUTHORIZED, "a device publishes its own log only"));
        }
        if (logs == null) {
            return CompletableFuture.completedFuture(
                    new Outcome(Outcome.IMPLEMENTATION_SPECIFIC_ERROR, "this node keeps no device logs"));
        }
        try {
            return logs.publish(device, payload).thenApply(stored -> Outcome.SUCCESS);
        } catch (LogRefusedException e) {
            return CompletableFuture.completedFuture(new Outcome(
                    e.reason() == LogRefusedException.Reason.RATE
                            ? Outcome.QUOTA_EXCEEDED
                            : Outcome.PAYLOAD_FORMAT_INVALID,
                    e.getMessage()));
        }
    }

    /**
     * A report on the device's update job: stored, or refused with the reason its acknowledgement
     * carries (0x99 when it is not a report, 0x87 for another device's job).
     */
    public CompletableFuture<Outcome> otaProgress(DeviceId device, byte[] payload) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        rollouts.report(device, OtaDocuments.progress(payload));
                        return Outcome.SUCCESS;
                    } catch (IllegalArgumentException e) {
                        return new Outcome(Outcome.PAYLOAD_FORMAT_INVALID, e.getMessage());
                    } catch (OtaRefusedException e) {
                        return new Outcome(
                                e.reason() == OtaRefusedException.Reason.NOT_YOURS
                                        ? Outcome.NOT_AUTHORIZED
                                        : Outcome.IMPLEMENTATION_SPECIFIC_ERROR,
                                e.getMessage());
                    }
                },
                blocking);
    }

    /**
     * A request for a chunk of the device's image: the chunk goes to {@code device/{id}/ota/chunk/{n}}
     * before the request is acknowledged; a request past the image's end, malformed, or for
     * another device's job is refused in the acknowledgement.
     */
    public CompletableFuture<Outcome> otaChunkRequest(DeviceId device, byte[] payload) {
        return CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                OtaDocuments.ChunkRequest request = OtaDocuments.chunkRequest(payload);
                                byte[] chunk = chunk(rollouts.imageFor(device, request.jobId()), request);
                                return replies.otaChunk(device, request.index(), chunk)
                                        .thenApply(sent -> Outcome.SUCCESS);
                            } catch (IllegalArgumentException e) {
                                return CompletableFuture.completedFuture(
                                        new Outcome(Outcome.PAYLOAD_FORMAT_INVALID, e.getMessage()));
                            } catch (OtaRefusedException e) {
                                return CompletableFuture.completedFuture(new Outcome(
                                        e.reason() == OtaRefusedException.Reason.NOT_YOURS
                                                ? Outcome.NOT_AUTHORIZED
                                                : Outcome.IMPLEMENTATION_SPECIFIC_ERROR,
                                        e.getMessage()));
                            } catch (java.io.IOException e) {
                                return CompletableFuture.completedFuture(
                                        new Outcome(Outcome.IMPLEMENTATION_SPECIFIC_ERROR, "the image cannot be read"));
                            }
                        },
                        blocking)
                .thenCompose(outcome -> outcome);
    }

    private static byte[] chunk(io.edgeward.core.ota.Firmwares.Image image, OtaDocuments.ChunkRequest request)
            throws java.io.IOException {
        long size = image.firmware().size();
        long offset = request.index() * request.size();
        if (offset >= size) {
            long chunks = (size + request.size() - 1) / request.size();
            throw new IllegalArgumentException("chunk " + request.index() + " is past the end: the image has " + chunks
                    + " chunks of " + request.size() + " bytes");
        }
        return image.read(offset, request.size());
    }

    /** Whether a PUBLISH to this connection on {@code topic} may carry a command (so that its payload is worth reading). */
    public boolean isCommandTopic(String topic) {
        return self != null && topic.equals(DeviceTopics.command(self));
    }

    /** A QoS 1/2 PUBLISH on this device's command topic is leaving: remember which command it carries. */
    public void commandPublished(String topic, int packetId, byte[] payload) {
        if (!isCommandTopic(topic)) {
            return;
        }
        try {
            JsonNode id = JSON.readTree(payload).get("command_id");
            if (id != null && id.isTextual()) {
                commandsInFlight.put(packetId, id.asText());
            }
        } catch (IOException | RuntimeException e) {
            // Not one of ours (a user with publish rights on this topic): nothing to correlate.
        }
    }

    /** The device acknowledged the PUBLISH with {@code packetId}: a command it carried is delivered. */
    public void acknowledged(int packetId) {
        String commandId = commandsInFlight.remove(packetId);
        if (commandId != null) {
            blocking.execute(() -> commands.delivered(self, commandId));
        }
    }

    /** The device is subscribing with {@code filters}; remembered when one covers its command topic. */
    public void subscribing(int packetId, List<String> filters) {
        if (self == null) {
            return;
        }
        String topic = DeviceTopics.command(self);
        if (filters.stream().anyMatch(filter -> Topics.covers(Topics.unshared(filter), topic))) {
            commandSubscriptions.add(packetId);
        }
        String down = "edge/" + self + "/down/command/x";
        if (filters.stream().anyMatch(filter -> Topics.covers(Topics.unshared(filter), down))) {
            downSubscriptions.add(packetId);
        }
    }

    /** The SUBACK for {@code packetId} is leaving: once the command subscription is granted, commands that waited can go. */
    public void subscribeAnswered(int packetId, boolean anyGranted) {
        if (commandSubscriptions.remove(packetId) && anyGranted) {
            commands.deviceReady(self);
        }
        if (downSubscriptions.remove(packetId) && anyGranted) {
            blocking.execute(() -> edgeReady.accept(self));
        }
    }

    private void get(DeviceId device, byte[] payload) {
        String clientToken = ShadowDocuments.clientTokenOf(payload);
        try {
            Shadow shadow = shadows.get(device);
            replies.accepted(device, "get", ShadowDocuments.document(shadow, clientToken));
            // A device asking after being away gets the delta it missed on the delta topic too.
            if (!shadow.delta().isEmpty()) {
                replies.delta(shadow, clientToken);
            }
        } catch (ShadowException e) {
            replies.rejected(device, "get", e, clientToken);
        }
    }

    private void update(DeviceId device, byte[] payload) {
        try {
            shadows.update(device, payload, ChangedBy.DEVICE); // accepted, documents and delta go out via the listener
        } catch (ShadowException e) {
            replies.rejected(device, "update", e, ShadowDocuments.clientTokenOf(payload));
        }
    }
}
