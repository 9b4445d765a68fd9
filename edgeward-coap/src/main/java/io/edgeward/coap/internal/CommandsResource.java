package io.edgeward.coap.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.command.CommandNotFoundException;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.Presence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * {@code GET /commands}, observed: the device's outstanding commands, a JSON array of the seed's
 * command documents ({@code [{"command_id","type","parameters","timestamp"}]}) in the order they
 * were accepted, each until the device answers it on {@code /commands/{id}/response} or it ends.
 *
 * <p>Each notification carries every outstanding command, not just the newest, because Californium
 * lets a newer notification replace one still in transit (RFC 7641 asks only for the latest
 * state): a command can never be lost between two notifications. The device's acknowledgement of
 * a (confirmable) notification marks the commands in it DELIVERED.
 *
 * <p>A device observing this resource can take commands: it counts as connected for presence, and
 * its queued commands go out as soon as the observation is in place. A device that sleeps between
 * requests may instead poll with a plain GET, which takes its queued commands at that moment
 * (they stay SENT until answered: a piggybacked answer is not acknowledged). Commands sent before
 * this node started, or over MQTT, and not yet answered are listed again at the device's first
 * request.
 */
public final class CommandsResource extends DeviceResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandService commands;
    private final Presence presence;
    private final Executor executor;
    private final Map<ObserveRelation, DeviceId> observers = new ConcurrentHashMap<>();
    private final Map<DeviceId, Integer> observing = new ConcurrentHashMap<>();
    /** Devices whose plain GET is asking for their queued commands right now. */
    private final Set<DeviceId> polling = ConcurrentHashMap.newKeySet();
    /** Commands sent over CoAP and not yet answered, per device, in sending order. Guarded by the inner map. */
    private final Map<DeviceId, LinkedHashMap<String, JsonNode>> outstanding = new ConcurrentHashMap<>();

    public CommandsResource(Callers callers, Executor executor, CommandService commands, Presence presence) {
        super("commands", callers, executor);
        this.commands = commands;
        this.presence = presence;
        this.executor = executor;
        observable();
        describe("edgeward.commands", "core.rp");
    }

    @Override
    void get(CoapExchange exchange, Caller caller) {
        DeviceId device = caller.device().id();
        queueOf(device);
        if (!exchange.getRequestOptions().hasObserve()) {
            // A device that polls instead of observing (it sleeps between requests) takes its queued commands now.
            polling.add(device);
            try {
                commands.dispatchNow(device);
            } finally {
                polling.remove(device);
            }
        }
        ArrayNode body = JSON.createArrayNode();
        List<String> ids = new ArrayList<>();
        for (JsonNode document : pending(device)) {
            body.add(document);
            ids.add(document.get("command_id").asText());
        }
        Response response = new Response(ResponseCode.CONTENT);
        response.setPayload(body.toString().getBytes(StandardCharsets.UTF_8));
        response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        if (!ids.isEmpty()) {
            response.addMessageObserver(new MessageObserverAdapter() {
                @Override
                public void onAcknowledgement() {
                    executor.execute(() -> ids.forEach(id -> commands.delivered(device, id)));
                }
            });
        }
        exchange.respond(response);
    }

    @Override
    public void addObserveRelation(ObserveRelation relation) {
        super.addObserveRelation(relation);
        caller(relation).ifPresent(caller -> {
            DeviceId device = caller.device().id();
            if (observers.put(relation, device) == null && observing.merge(device, 1, Integer::sum) == 1) {
                presence.connected(device);
            }
            commands.deviceReady(device);
        });
    }

    @Override
    public void removeObserveRelation(ObserveRelation relation) {
        super.removeObserveRelation(relation);
        DeviceId device = observers.remove(relation);
        if (device != null
                && observing.computeIfPresent(device, (id, count) -> count <= 1 ? null : count - 1) == null) {
            presence.disconnected(device);
        }
    }

    /** Hands a command document to the device's observation; false when it observes nothing here. */
    public boolean send(DeviceId device, byte[] document) {
        if (!observing.containsKey(device) && !polling.contains(device)) {
            return false;
        }
        JsonNode node;
        try {
            node = JSON.readTree(document);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a command document", e);
        }
        LinkedHashMap<String, JsonNode> queue = queueOf(device);
        synchronized (queue) {
            queue.put(node.get("command_id").asText(), node);
        }
        changed(relation -> device.equals(observers.get(relation)));
        return true;
    }

    /** The device answered the command: it leaves the outstanding list. */
    void answered(DeviceId device, String commandId) {
        LinkedHashMap<String, JsonNode> queue = outstanding.get(device);
        if (queue != null) {
            synchronized (queue) {
                queue.remove(commandId);
            }
        }
    }

    /** Ends the device's observations (4.01) and forgets its outstanding commands: its credentials are gone. */
    public void forget(DeviceId device) {
        outstanding.remove(device);
        clearAndNotifyObserveRelations(relation -> device.equals(observers.get(relation)), ResponseCode.UNAUTHORIZED);
    }

    /** A confirmable notification to every observer: one that no longer acknowledges is dropped and shown offline. */
    public void probe() {
        if (getObserverCount() > 0) {
            changed();
        }
    }

    /**
     * The device's outstanding commands; at its first request since this node started, those the
     * store says were sent and not answered (before a restart, or over MQTT) are taken up again.
     */
    private LinkedHashMap<String, JsonNode> queueOf(DeviceId device) {
        LinkedHashMap<String, JsonNode> queue = outstanding.get(device);
        if (queue != null) {
            return queue;
        }
        LinkedHashMap<String, JsonNode> restored = new LinkedHashMap<>();
        for (byte[] document : commands.awaitingResponse(device)) {
            try {
                JsonNode node = JSON.readTree(document);
                restored.put(node.get("command_id").asText(), node);
            } catch (IOException e) {
                throw new IllegalStateException("the command service wrote an unreadable document", e);
            }
        }
        LinkedHashMap<String, JsonNode> raced = outstanding.putIfAbsent(device, restored);
        return raced == null ? restored : raced;
    }

    /** Outstanding commands still open; those that ended some other way (timed out) are dropped here. */
    private List<JsonNode> pending(DeviceId device) {
        LinkedHashMap<String, JsonNode> queue = outstanding.get(device);
        if (queue == null) {
            return List.of();
        }
        List<JsonNode> documents;
        synchronized (queue) {
            documents = new ArrayList<>(queue.values());
        }
        List<JsonNode> open = new ArrayList<>(documents.size());
        for (JsonNode document : documents) {
            String id = document.get("command_id").asText();
            boolean ended;
            try {
                ended = commands.get(device, id).status().isTerminal();
            } catch (CommandNotFoundException e) {
                ended = true;
            }
            if (ended) {
                answered(device, id);
            } else {
                open.add(document);
            }
        }
        return open;
    }
}
