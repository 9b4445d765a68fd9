package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Value;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Alarms for people: listing, acknowledging, clearing, history (a port; the store implements it). */
public interface AlarmRepository {

    Optional<Alarm> get(String id);

    /** Newest first (creation time, then id), from {@code query.before()}. */
    List<Alarm> list(AlarmQuery query);

    /** Oldest first. */
    List<AlarmEvent> history(String id);

    /**
     * Acknowledges the alarm; acknowledging it again changes nothing.
     *
     * @throws AlarmNotFoundException when there is no such alarm
     */
    Alarm acknowledge(String id, String actor, String comment, Instant at);

    /**
     * Clears the alarm by hand; clearing a cleared one changes nothing. The rule may raise a new one.
     *
     * @throws AlarmNotFoundException when there is no such alarm
     */
    Alarm clear(String id, String actor, String comment, Instant at);

    /** Adds to open alarms the firings a condition that keeps holding made since the last touch (the engine's flush). */
    void touch(List<Touch> touches);

    /** Open (not cleared) alarms by severity. */
    Map<Severity, Long> activeCounts();

    /** An open alarm's repeats: {@code repeats} more, and the last of them. */
    record Touch(String ruleId, DeviceId device, long repeats, Value lastValue, Instant lastTime) {}
}
