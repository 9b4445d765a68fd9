/**
 * Retention: how long each level of telemetry (raw points, the 1m, 1h and 1d rollup tiers) is
 * kept, with overrides by metric, device, type or tag, deleted in the background in small batches,
 * and an optional disk budget that gives up the oldest data first.
 */
package io.edgeward.core.retention;
