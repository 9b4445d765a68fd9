package io.edgeward.core.ota;

import java.util.List;
import java.util.Optional;

/** The releases of the firmware repository (a port; the store implements it). */
public interface FirmwareRepository {

    /**
     * Adds the release.
     *
     * @throws FirmwareConflictException when the model already has that version
     */
    void insert(Firmware firmware);

    Optional<Firmware> find(String id);

    /** Releases, newest first; of one model when {@code model} is not null. */
    List<Firmware> list(String model);

    /** Whether a release other than {@code exceptId} has the image {@code sha256}. */
    boolean imageShared(String sha256, String exceptId);

    /** @return whether there was such a release */
    boolean delete(String id);

    /** Adds a delta to a release (deleted with the release or its base). */
    void insertDelta(FirmwareDelta delta);

    /** The release's deltas (to it), newest first. */
    List<FirmwareDelta> deltas(String firmwareId);

    /** Deltas from the release (it is their base). */
    List<FirmwareDelta> deltasFrom(String baseId);

    /** Whether a delta other than {@code exceptId} has this file (a patch may be shared like an image). */
    boolean deltaShared(String sha256, String exceptId);
}
