package io.edgeward.core.rules;

import io.edgeward.core.telemetry.Value;
import java.time.Instant;

/** What a firing or clearing does to the rule's alarm for the device. */
public sealed interface AlarmChange {

    /**
     * Raises the alarm, or, if one is open for the rule and device, updates it (count, last value
     * and time, severity escalated, never lowered). Recording the same firing twice changes nothing.
     *
     * @param newId the id a new alarm gets
     */
    record Raise(String newId, Severity severity, String message, Value value, Instant lastTime)
            implements AlarmChange {}

    /** Clears the open alarm, if there is one. */
    record Clear(Value value, Instant lastTime) implements AlarmChange {}
}
