/**
 * The processing stage: edge filters (deadband, change-driven, sample, threshold, each with a
 * heartbeat) and event-time windows, evaluated inside the group commit, and the reduced stream
 * they write, read by consumers from stored cursors. See {@code docs/design-processing.md}.
 */
package io.edgeward.core.processing;
