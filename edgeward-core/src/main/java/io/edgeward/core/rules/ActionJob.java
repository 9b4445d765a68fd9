package io.edgeward.core.rules;

import io.edgeward.core.device.DeviceId;
import java.time.Instant;

/**
 * An action to run for a firing, stored in the transaction that records the firing and run until
 * done: at least once across a crash, and once in effect, as its id ({@code <firing>#<index>},
 * {@code #<index>:clear} for a clearing's) is what a command's idempotency key, a webhook's
 * delivery header and the store's key are made of.
 *
 * @param action the action's document as it was when the rule fired
 * @param context the values its templates are filled from (the point, the device, the rule)
 */
public record ActionJob(
        String id,
        String ruleId,
        DeviceId device,
        String firingId,
        String action,
        String context,
        int attempts,
        Instant due) {}
