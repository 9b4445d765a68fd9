package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import java.time.Instant;
import java.util.Set;

/**
 * Which alarms to list, newest first, a page at a time.
 *
 * @param statuses empty for every status
 * @param before the cursor: only alarms created before this one ({@code createdAt}, then id); null for the newest
 */
public record AlarmQuery(
        Set<AlarmStatus> statuses,
        Set<Severity> severities,
        DeviceId device,
        String ruleId,
        Instant from,
        Instant to,
        Cursor before,
        int limit) {

    public AlarmQuery {
        statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
        severities = severities == null ? Set.of() : Set.copyOf(severities);
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be between 1 and 1000");
        }
    }

    /** Where a page ended: the last alarm's creation time and id. */
    public record Cursor(Instant createdAt, String id) {}
}
