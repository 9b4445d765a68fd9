package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import java.util.Map;

/**
 * Port: where a rule's {@code forward} action sends its firing, at once (at an edge: up the sync
 * link's high stream). A node that forwards nothing has none: the action fails there, and says why.
 */
@FunctionalInterface
public interface RuleForwarder {

    /**
     * @param firing the firing's document (rule, event, device, metric, value, unit, ts, message)
     */
    void forward(DeviceId device, Map<String, Object> firing);
}
