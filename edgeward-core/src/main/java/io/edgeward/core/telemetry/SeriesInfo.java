package io.edgeward.core.telemetry;

/**
 * What is stored of one series of a device.
 *
 * @param unit the series' unit (the newest one sent), or {@code null}
 * @param firstAt epoch ms of its oldest stored point
 * @param lastAt epoch ms of its newest point
 * @param count stored points
 */
public record SeriesInfo(String metric, String unit, long firstAt, long lastAt, long count) {}
