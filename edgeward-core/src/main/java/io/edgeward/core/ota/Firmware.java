package io.edgeward.core.ota;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A release in the firmware repository: its image (by SHA-256, stored once however many releases
 * share it), what it fits, and its manifest with Edgeward's signature over it.
 *
 * @param id the release's id ({@code fw-} and a random suffix)
 * @param model the device model or type the image fits
 * @param version a semantic version, unique per model
 * @param minVersion the oldest version it upgrades from, or null for any
 * @param filename the image's file name as uploaded (what a device saves it as)
 * @param size the image's length in bytes
 * @param sha256 the image's SHA-256, lower-case hex
 * @param releaseNotes free text, or null
 * @param metadata the uploader's attributes (string to string)
 * @param vendorSignature the vendor's own signature of the image as uploaded (base64), kept and
 *     served untouched, or null
 * @param manifest the signed manifest: {@code {version, model, size, sha256, min_version, created}}
 *     as JSON, exactly the bytes signed
 * @param signature Edgeward's Ed25519 signature of the manifest's bytes, base64
 */
public record Firmware(
        String id,
        String model,
        String version,
        String minVersion,
        String filename,
        long size,
        String sha256,
        String releaseNotes,
        Map<String, String> metadata,
        String vendorSignature,
        String manifest,
        String signature,
        Instant createdAt) {

    public Firmware {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(signature, "signature");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** The strong HTTP entity tag of the image: its hash. */
    public String etag() {
        return "\"" + sha256 + "\"";
    }
}
