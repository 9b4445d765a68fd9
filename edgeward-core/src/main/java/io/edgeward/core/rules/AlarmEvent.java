package io.edgeward.core.rules;

import java.time.Instant;
import java.util.Locale;

/** One step of an alarm's history: who did what, when, with their comment. */
public record AlarmEvent(String alarmId, Instant at, Kind kind, String actor, String comment) {

    public enum Kind {
        RAISED,
        ESCALATED,
        ACKNOWLEDGED,
        CLEARED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
