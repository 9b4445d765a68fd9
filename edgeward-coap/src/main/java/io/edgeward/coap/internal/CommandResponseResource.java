package io.edgeward.coap.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandResponseException;
import io.edgeward.core.command.CommandService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * {@code POST /commands/{command_id}/response}: the seed's response document
 * ({@code {"command_id","status":"success|failed","message","timestamp"}}; {@code command_id} may be
 * left out, the path names it). Answers 2.04 with the command's resulting state; a malformed
 * response 4.00, one for a command the device does not have 4.04.
 */
public final class CommandResponseResource extends DeviceResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandService commands;
    private final CommandsResource outstanding;

    public CommandResponseResource(
            Callers callers, Executor executor, CommandService commands, CommandsResource outstanding) {
        super("response", callers, executor);
        this.commands = commands;
        this.outstanding = outstanding;
        describe("edgeward.command.response", "core.p");
    }

    @Override
    void post(CoapExchange exchange, Caller caller) {
        if (!json(exchange, "the response")) {
            return;
        }
        String commandId = caller.path().get(1);
        byte[] payload = exchange.getRequestPayload();
        try {
            JsonNode body = JSON.readTree(payload);
            if (body instanceof ObjectNode object) {
                JsonNode named = object.get("command_id");
                if (named == null) {
                    object.put("command_id", commandId);
                    payload = object.toString().getBytes(StandardCharsets.UTF_8);
                } else if (!commandId.equals(named.asText())) {
                    Replies.refuse(
                            exchange,
                            ResponseCode.BAD_REQUEST,
                            "command_id '" + named.asText() + "' in the body is not the command of the path, '"
                                    + commandId + "'");
                    return;
                }
            }
        } catch (IOException e) {
            // Not JSON: the command service refuses it as malformed, and counts it.
        }
        try {
            Command command = commands.respond(caller.device().id(), payload);
            outstanding.answered(caller.device().id(), commandId);
            ObjectNode answer = JSON.createObjectNode();
            answer.put("command_id", command.id());
            answer.put("status", command.status().wireName());
            Replies.json(exchange, ResponseCode.CHANGED, answer);
        } catch (CommandResponseException e) {
            Replies.refuse(
                    exchange,
                    e.reason() == CommandResponseException.Reason.UNKNOWN_COMMAND
                            ? ResponseCode.NOT_FOUND
                            : ResponseCode.BAD_REQUEST,
                    e.getMessage());
        }
    }
}
