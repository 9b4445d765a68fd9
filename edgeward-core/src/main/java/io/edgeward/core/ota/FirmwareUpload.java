package io.edgeward.core.ota;

import java.util.Map;

/**
 * What an uploader says about an image, beside its bytes.
 *
 * @param model the device model or type it fits
 * @param version its semantic version
 * @param minVersion the oldest version it upgrades from, or null
 * @param filename its file name, or null (then {@code <model>-<version>.bin})
 * @param releaseNotes free text, or null
 * @param metadata attributes (string to string), or null
 * @param vendorSignature the vendor's own signature of the image, base64, or null
 */
public record FirmwareUpload(
        String model,
        String version,
        String minVersion,
        String filename,
        String releaseNotes,
        Map<String, String> metadata,
        String vendorSignature) {}
