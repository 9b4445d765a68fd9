package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;

/**
 * A rule firing or clearing for a device.
 *
 * @param at when, in the points' time: the point's time, or the moment a duration ran out
 * @param firingId the firing this belongs to ({@code rule/device/time it fired}): the same points
 *     give the same id, which is what makes its actions run once across a restart
 * @param cause the point that caused it; null when a duration ran out with no point
 */
public record Transition(Kind kind, String ruleId, DeviceId device, long at, String firingId, Point cause) {

    public enum Kind {
        FIRED,
        CLEARED;

        public String wireName() {
            return this == FIRED ? "fired" : "cleared";
        }
    }

    static String firingId(String ruleId, DeviceId device, long at) {
        return ruleId + "/" + device.value() + "/" + at;
    }
}
