package io.edgeward.core.ota;

import java.time.Instant;
import java.util.Objects;

/**
 * A binary delta from one release of a model to a later one: what a device running exactly the
 * base image downloads instead of the whole target, and patches its base with. BSDIFF40, the
 * format of Debian's bsdiff and bspatch (bzip2-compressed control, diff and extra blocks).
 *
 * @param manifest signed like a release's: {@code {version, model, format, size, sha256,
 *     base_version, base_sha256, target_size, target_sha256, created}}; the device checks the
 *     patch's hash, its own image against {@code base_sha256}, and the result against {@code
 *     target_sha256}
 */
public record FirmwareDelta(
        String id,
        String firmwareId,
        String baseId,
        String baseVersion,
        String baseSha256,
        String format,
        long size,
        String sha256,
        String manifest,
        String signature,
        Instant createdAt) {

    public static final String BSDIFF = "bsdiff40";

    public FirmwareDelta {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(firmwareId, "firmwareId");
        Objects.requireNonNull(baseVersion, "baseVersion");
        Objects.requireNonNull(sha256, "sha256");
    }
}
