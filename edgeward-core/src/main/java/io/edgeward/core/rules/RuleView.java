package io.edgeward.core.rules;

import java.time.Instant;

/**
 * A rule as the API shows it: the stored document and version, and how it has been doing since
 * the node started.
 *
 * @param lastFired when it last fired (points' time); null if not since the start
 * @param lastError its last failure to evaluate; null if none since the start
 */
public record RuleView(StoredRule stored, Rule rule, Instant lastFired, LastError lastError) {

    /** A condition that failed for a device, and why. */
    public record LastError(Instant at, String device, String message) {}
}
