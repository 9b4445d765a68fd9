package io.edgeward.core.logs;

import io.edgeward.core.device.DeviceId;
import java.util.Objects;

/**
 * One log line.
 *
 * @param id the store's, once stored (0 before)
 * @param ts when the device says it happened, epoch milliseconds
 * @param fieldsJson more fields, a JSON object, or null
 * @param edgeId at a node receiving edges, the edge it came from; null for this node's own
 */
public record LogEntry(
        long id, DeviceId device, long ts, LogLevel level, String message, String fieldsJson, String edgeId) {

    public LogEntry {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
    }

    /** The same line as stored under {@code id}. */
    public LogEntry withId(long storedId) {
        return new LogEntry(storedId, device, ts, level, message, fieldsJson, edgeId);
    }
}
