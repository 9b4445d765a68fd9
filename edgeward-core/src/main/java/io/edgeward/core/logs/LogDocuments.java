package io.edgeward.core.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a device publishes on {@code device/{id}/log}: a JSON line {@code {"level", "message",
 * "ts"?, "fields"?}}, an array of them, or plain UTF-8 text (each non-empty line one info line,
 * now).
 */
final class LogDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lines in one message. */
    static final int MAX_LINES = 500;
    /** Bytes of one message. */
    static final int MAX_BYTES = 256 * 1024;

    private LogDocuments() {}

    /** @throws LogRefusedException (malformed) naming what is wrong */
    static List<LogEntry> parse(DeviceId device, byte[] payload, long now, int maxLine) {
        if (payload.length == 0) {
            throw malformed("an empty log message");
        }
        if (payload.length > MAX_BYTES) {
            throw malformed("a log message of " + payload.length + " bytes, over " + MAX_BYTES);
        }
        String text = utf8(payload);
        String trimmed = text.stripLeading();
        List<LogEntry> entries = new ArrayList<>();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            JsonNode document;
            try {
                document = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw malformed("not JSON: " + e.getOriginalMessage());
            }
            if (document.isArray()) {
                if (document.size() > MAX_LINES) {
                    throw malformed("over " + MAX_LINES + " lines in one message");
                }
                for (JsonNode line : document) {
                    entries.add(line(device, line, now, maxLine));
                }
            } else {
                entries.add(line(device, document, now, maxLine));
            }
        } else {
            for (String line : text.split("\r?\n")) {
                if (!line.isBlank()) {
                    entries.add(new LogEntry(0, device, now, LogLevel.INFO, cut(line, maxLine), null, null));
                }
            }
            if (entries.size() > MAX_LINES) {
                throw malformed("over " + MAX_LINES + " lines in one message");
            }
        }
        if (entries.isEmpty()) {
            throw malformed("no log line in the message");
        }
        return entries;
    }

    private static LogEntry line(DeviceId device, JsonNode line, long now, int maxLine) {
        if (!line.isObject()) {
            throw malformed("a log line must be an object {\"level\", \"message\", \"ts\"?, \"fields\"?}");
        }
        JsonNode message = line.get("message");
        if (message == null || !message.isTextual()) {
            throw malformed("a log line without its message (a string)");
        }
        LogLevel level;
        try {
            level = LogLevel.fromWire(line.path("level").asText("info"));
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
        long ts = now;
        JsonNode time = line.get("ts");
        if (time != null && !time.isNull()) {
            if (!time.canConvertToLong() || time.asLong() <= 0) {
                throw malformed("ts must be epoch milliseconds");
            }
            ts = time.asLong();
        }
        JsonNode fields = line.get("fields");
        if (fields != null && !fields.isNull() && !fields.isObject()) {
            throw malformed("fields must be an object");
        }
        return new LogEntry(
                0,
                device,
                ts,
                level,
                cut(message.asText(), maxLine),
                fields == null || fields.isNull() || fields.isEmpty() ? null : fields.toString(),
                null);
    }

    private static String cut(String message, int maxLine) {
        return message.length() <= maxLine ? message : message.substring(0, maxLine - 1) + "…";
    }

    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed("not UTF-8 text");
        }
    }

    private static LogRefusedException malformed(String why) {
        return new LogRefusedException(LogRefusedException.Reason.MALFORMED, why);
    }
}
