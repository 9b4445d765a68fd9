package io.edgeward.core.device;

import java.time.Instant;
import java.util.Objects;

/**
 * When a device's record changed and on which version of it: what two nodes of a sync link compare
 * to tell a later change from a concurrent one (made on the same version while apart).
 *
 * @param at when the change was made, by the clock of the node that made it
 * @param basedOn the {@code at} of the version it was made on; {@code null} for a new record
 */
public record RecordChange(Instant at, Instant basedOn) {

    public RecordChange {
        Objects.requireNonNull(at, "at");
    }

    /** The change that made this device's record as it is. */
    public static RecordChange of(Device device) {
        return new RecordChange(device.updatedAt(), device.basedOn());
    }
}
