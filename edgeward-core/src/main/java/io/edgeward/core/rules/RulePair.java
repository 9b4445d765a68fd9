package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import java.util.Objects;

/** One rule for one device: the unit of state, of isolation and of "one open alarm". */
public record RulePair(String ruleId, DeviceId device) {

    public RulePair {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(device, "device");
    }
}
