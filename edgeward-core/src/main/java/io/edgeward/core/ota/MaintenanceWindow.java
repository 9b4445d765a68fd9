package io.edgeward.core.ota;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Objects;

/**
 * The daily hours in which a rollout offers updates ({@code start} to {@code end} in {@code zone};
 * an end before the start spans midnight). Jobs already offered go on outside it; no new wave and
 * no new offer starts outside it.
 */
public record MaintenanceWindow(LocalTime start, LocalTime end, ZoneId zone) {

    public MaintenanceWindow {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(zone, "zone");
        if (start.equals(end)) {
            throw new IllegalArgumentException("maintenance_window: start and end must differ");
        }
    }

    public boolean isOpen(Instant at) {
        LocalTime time = at.atZone(zone).toLocalTime();
        return start.isBefore(end)
                ? !time.isBefore(start) && time.isBefore(end)
                : !time.isBefore(start) || time.isBefore(end);
    }
}
