package io.edgeward.core.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The seed's command documents, written and read here only, for every transport: the command a
 * device receives ({@code {"command_id","type","parameters","timestamp"}}) and the response it
 * sends back ({@code {"command_id","status":"success|failed","message","timestamp"}}).
 */
public final class CommandDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest response message kept; a longer one is refused, not cut (a cut one would be stored as if complete). */
    static final int MAX_MESSAGE = 1024;

    private CommandDocuments() {}

    /** A device's answer to a command. */
    public record Response(String commandId, boolean success, String message) {}

    /** The command as the device receives it, stamped with when it was sent. */
    public static byte[] command(Command command, Instant sentAt) {
        ObjectNode document = JSON.createObjectNode();
        document.put("command_id", command.id());
        document.put("type", command.type());
        document.set("parameters", JSON.valueToTree(command.parameters()));
        document.put("timestamp", sentAt.getEpochSecond());
        return document.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a device's response.
     *
     * @throws CommandResponseException ({@code MALFORMED}) for anything but the seed's response document
     */
    public static Response response(byte[] payload) {
        JsonNode node;
        try {
            node = JSON.readTree(payload);
        } catch (IOException e) {
            throw malformed("the response is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw malformed("the response must be a JSON object {\"command_id\",\"status\",\"message\",\"timestamp\"}");
        }
        JsonNode id = node.get("command_id");
        if (id == null
                || !id.isTextual()
                || id.asText().isEmpty()
                || id.asText().length() > 64) {
            throw malformed("command_id must be a string");
        }
        JsonNode status = node.get("status");
        if (status == null
                || !status.isTextual()
                || !(status.asText().equals("success") || status.asText().equals("failed"))) {
            throw malformed("status must be \"success\" or \"failed\"");
        }
        JsonNode message = node.get("message");
        if (message != null && !message.isNull() && !message.isTextual()) {
            throw malformed("message must be a string");
        }
        String text = message == null || message.isNull() ? null : message.asText();
        if (text != null && text.length() > MAX_MESSAGE) {
            throw malformed("message is " + text.length() + " characters; the limit is " + MAX_MESSAGE);
        }
        return new Response(id.asText(), status.asText().equals("success"), text);
    }

    private static CommandResponseException malformed(String message) {
        return new CommandResponseException(CommandResponseException.Reason.MALFORMED, message);
    }
}
