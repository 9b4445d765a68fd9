package io.edgeward.core.shadow;

import io.edgeward.core.device.DeviceId;
import java.util.List;
import java.util.Optional;

/** Port: durable shadows with their version history. */
public interface ShadowRepository {

    Optional<Shadow> find(DeviceId device);

    /**
     * Stores {@code next} if the stored version is still {@code next.version() - 1} (0: no shadow
     * yet), appends it to the history and drops history beyond the newest {@code keepVersions},
     * all in one transaction.
     *
     * @return false when another writer got there first; nothing was written
     */
    default boolean save(Shadow next, ChangedBy changedBy, String clientToken, int keepVersions) {
        return saveAll(List.of(new ShadowSave(next, changedBy, clientToken, keepVersions)))
                .get(0);
    }

    /**
     * {@link #save} for many shadows (of different devices) in one transaction: one commit, one
     * fsync. Each save succeeds or loses its compare-and-set on its own.
     *
     * @return for each save, in order, whether it was written
     */
    List<Boolean> saveAll(List<ShadowSave> saves);

    /** One shadow to store, as {@link #save} takes it. */
    record ShadowSave(Shadow next, ChangedBy changedBy, String clientToken, int keepVersions) {}

    /** Kept versions, newest first, older than {@code beforeVersion}; at most {@code limit}. */
    List<ShadowVersion> history(DeviceId device, long beforeVersion, int limit);
}
