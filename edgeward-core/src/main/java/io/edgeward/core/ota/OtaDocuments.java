package io.edgeward.core.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The device-facing OTA documents of MQTT and CoAP: the notification of a job ({@code
 * device/{id}/ota/notify}) and the device's progress report ({@code device/{id}/ota/progress},
 * {@code {job_id, status, progress, reason}}).
 */
public final class OtaDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A progress report is a few fields; a larger one is not one. */
    public static final int MAX_PROGRESS = 4096;

    private OtaDocuments() {}

    /**
     * What a device needs to carry out its job: the release, the manifest exactly as signed with its
     * signature (the device verifies it with the key of {@code GET /api/v1/firmware/signing-key},
     * then the image's hash), and where to download it.
     *
     * @param url the image's download URL for this job (HTTP with Range)
     */
    public static byte[] notification(DeviceJob job, Firmware firmware, String url) {
        return notification(job, firmware, url, null, null);
    }

    /**
     * As {@link #notification(DeviceJob, Firmware, String)}, with the delta from the version the
     * device runs: {@code delta: {format, size, sha256, base_version, base_sha256, manifest,
     * signature, url}}. A device whose image is the base patches it; any other takes the image.
     */
    public static byte[] notification(
            DeviceJob job, Firmware firmware, String url, FirmwareDelta delta, String deltaUrl) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("job_id", job.id());
        doc.put("rollout_id", job.rolloutId());
        doc.put("firmware_id", firmware.id());
        doc.put("model", firmware.model());
        doc.put("version", firmware.version());
        doc.put("size", firmware.size());
        doc.put("sha256", firmware.sha256());
        doc.put("filename", firmware.filename());
        doc.put("manifest", firmware.manifest());
        doc.put("signature", firmware.signature());
        doc.put("signature_algorithm", "Ed25519");
        if (firmware.vendorSignature() != null) {
            doc.put("vendor_signature", firmware.vendorSignature());
        }
        doc.put("url", url);
        doc.put("status", job.status().wireName());
        if (delta != null) {
            ObjectNode patch = doc.putObject("delta");
            patch.put("format", delta.format());
            patch.put("size", delta.size());
            patch.put("sha256", delta.sha256());
            patch.put("base_version", delta.baseVersion());
            patch.put("base_sha256", delta.baseSha256());
            patch.put("manifest", delta.manifest());
            patch.put("signature", delta.signature());
            patch.put("url", deltaUrl);
        }
        return bytes(doc);
    }

    /** Told on the notify topic when a job is canceled, before the notification is cleared. */
    public static byte[] canceled(DeviceJob job) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("job_id", job.id());
        doc.put("status", job.status().wireName());
        if (job.reason() != null) {
            doc.put("reason", job.reason());
        }
        return bytes(doc);
    }

    /**
     * A device's progress report.
     *
     * @throws IllegalArgumentException when it is not one (not JSON, no job id, an unknown status,
     *     a progress out of 0..100), saying what is wrong
     */
    public static JobReport progress(byte[] payload) {
        if (payload.length > MAX_PROGRESS) {
            throw new IllegalArgumentException("a progress report is at most " + MAX_PROGRESS + " bytes");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("a progress report must be a JSON object");
        }
        if (doc == null || !doc.isObject()) {
            throw new IllegalArgumentException("a progress report must be a JSON object");
        }
        JsonNode progress = doc.get("progress");
        if (progress != null && !progress.isNull() && !progress.isNumber()) {
            throw new IllegalArgumentException("progress must be a number from 0 to 100");
        }
        return new JobReport(
                text(doc, "job_id"),
                JobStatus.fromWire(text(doc, "status")),
                progress == null || progress.isNull() ? null : (int) Math.round(progress.asDouble()),
                text(doc, "reason"));
    }

    /** Chunk sizes a device may ask for over MQTT: at least 256 bytes, at most 64 KiB. */
    public static final int MIN_CHUNK = 256;

    public static final int MAX_CHUNK = 64 * 1024;
    public static final int DEFAULT_CHUNK = 16 * 1024;

    /** A device's request for one chunk of its job's image ({@code device/{id}/ota/chunk/request}). */
    public record ChunkRequest(String jobId, long index, int size) {}

    /**
     * {@code {job_id, chunk, size}}: chunk {@code chunk} (from 0) of {@code size} bytes (16 KiB when
     * absent), as ThingsBoard's devices fetch firmware over MQTT.
     *
     * @throws IllegalArgumentException when it is not one, saying what is wrong
     */
    public static ChunkRequest chunkRequest(byte[] payload) {
        if (payload.length > MAX_PROGRESS) {
            throw new IllegalArgumentException("a chunk request is at most " + MAX_PROGRESS + " bytes");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("a chunk request must be a JSON object");
        }
        if (doc == null || !doc.isObject()) {
            throw new IllegalArgumentException("a chunk request must be a JSON object");
        }
        String job = text(doc, "job_id");
        if (job == null || job.isBlank()) {
            throw new IllegalArgumentException("job_id is required");
        }
        JsonNode chunk = doc.get("chunk");
        if (chunk == null || !chunk.canConvertToLong() || chunk.asLong() < 0) {
            throw new IllegalArgumentException("chunk must be a number from 0");
        }
        JsonNode size = doc.get("size");
        int bytes = size == null || size.isNull() ? DEFAULT_CHUNK : size.asInt(-1);
        if (bytes < MIN_CHUNK || bytes > MAX_CHUNK) {
            throw new IllegalArgumentException("size must be " + MIN_CHUNK + " to " + MAX_CHUNK + " bytes");
        }
        return new ChunkRequest(job, chunk.asLong(), bytes);
    }

    private static String text(JsonNode doc, String field) {
        JsonNode value = doc.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }

    private static byte[] bytes(ObjectNode doc) {
        try {
            return JSON.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
