package io.edgeward.core.ota;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.lifecycle.Lifecycle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The firmware repository: releases uploaded with their metadata, each image stored once by its
 * hash, each release's manifest signed with the node's Ed25519 key; listed, fetched, served (after
 * an integrity check) and deleted.
 */
public final class Firmwares implements Lifecycle {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,254}");
    private static final int MAX_NOTES = 64 * 1024;
    private static final int MAX_METADATA = 64;
    private static final int MAX_VENDOR_SIGNATURE = 16 * 1024;

    private final FirmwareRepository repository;
    /** Whether a rollout that is not over offers the release (such a release is not deleted). */
    private final Predicate<String> inUse;

    private final FirmwareSettings settings;
    private final FirmwareImages images;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Counter uploads;
    private final Counter corrupt;
    private SigningKey key;

    public Firmwares(
            FirmwareRepository repository,
            Predicate<String> inUse,
            FirmwareSettings settings,
            Clock clock,
            MeterRegistry meters) {
        this.repository = repository;
        this.inUse = inUse;
        this.settings = settings;
        this.images = new FirmwareImages(settings.directory());
        this.clock = clock;
        this.uploads = Counter.builder("edgeward.firmware.uploads")
                .description("Firmware releases added to the repository")
                .register(meters);
        this.corrupt = Counter.builder("edgeward.firmware.corrupt")
                .description("Requests for a firmware image that no longer matched its hash (not served)")
                .register(meters);
    }

    /** Removes what uploads cut short by a crash left behind. */
    @Override
    public void start() {
        try {
            images.clearTemporary();
        } catch (IOException e) {
            throw new UncheckedIOException("firmware directory " + settings.directory() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {}

    public FirmwareSettings settings() {
        return settings;
    }

    /** The key that signs manifests, generated on first use. */
    public synchronized SigningKey signingKey() {
        if (key == null) {
            key = SigningKey.loadOrCreate(settings.directory().resolve("signing-key.pem"));
        }
        return key;
    }

    /**
     * Adds a release: checks its metadata, stores the image streamed from {@code image}, signs its
     * manifest.
     *
     * @throws IllegalArgumentException for metadata that is missing or not valid, or an empty image
     * @throws FirmwareConflictException when the model already has that version
     * @throws FirmwareTooLargeException past {@code ota.max-image-size}
     */
    public Firmware add(FirmwareUpload upload, InputStream image) throws IOException {
        FirmwareUpload checked = check(upload);
        if (repository.list(checked.model()).stream().anyMatch(f -> f.version().equals(checked.version()))) {
            throw new FirmwareConflictException(checked.model(), checked.version());
        }
        FirmwareImages.Stored stored = images.write(image, settings.maxImageSize());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String manifest = manifest(checked, stored, now);
        Firmware firmware = new Firmware(
                "fw-" + HexFormat.of().formatHex(randomBytes()),
                checked.model(),
                checked.version(),
                checked.minVersion(),
                checked.filename(),
                stored.size(),
                stored.sha256(),
                checked.releaseNotes(),
                checked.metadata(),
                checked.vendorSignature(),
                manifest,
                Base64.getEncoder().encodeToString(signingKey().sign(manifest.getBytes(StandardCharsets.UTF_8))),
                now);
        try {
            repository.insert(firmware);
        } catch (RuntimeException e) {
            if (!repository.imageShared(stored.sha256(), firmware.id())) {
                images.delete(stored.sha256());
            }
            throw e;
        }
        uploads.increment();
        return firmware;
    }

    public List<Firmware> list(String model) {
        return repository.list(model);
    }

    /** @throws FirmwareNotFoundException when there is no such release */
    public Firmware get(String id) {
        return repository.find(id).orElseThrow(() -> new FirmwareNotFoundException(id));
    }

    /**
     * Deletes the release, and its image unless another release has the same one.
     *
     * @throws FirmwareNotFoundException when there is no such release
     * @throws FirmwareInUseException while a rollout that is not over offers it
     */
    public void delete(String id) throws IOException {
        Firmware firmware = get(id);
        if (inUse.test(id)) {
            throw new FirmwareInUseException(id);
        }
        List<FirmwareDelta> deltas = new java.util.ArrayList<>(repository.deltas(id));
        deltas.addAll(repository.deltasFrom(id));
        if (!repository.delete(id)) {
            throw new FirmwareNotFoundException(id);
        }
        if (!repository.imageShared(firmware.sha256(), id)) {
            images.delete(firmware.sha256());
        }
        for (FirmwareDelta delta : deltas) { // deleted with the release, by the store
            if (!repository.deltaShared(delta.sha256(), delta.id()) && !repository.imageShared(delta.sha256(), "")) {
                images.delete(delta.sha256());
            }
        }
    }

    /**
     * Computes, signs and stores the delta from release {@code baseId} to release {@code targetId}
     * (the same model, the base older): what devices running exactly the base download instead.
     *
     * @throws IllegalArgumentException for releases of different models, a base that is not older,
     *     or a delta that exists
     * @throws FirmwareTooLargeException for images past {@code ota.delta.max-image-size}
     */
    public FirmwareDelta addDelta(String targetId, String baseId) throws IOException {
        Firmware target = get(targetId);
        Firmware base = get(baseId);
        if (!base.model().equals(target.model())) {
            throw new IllegalArgumentException("the base " + base.model() + " " + base.version()
                    + " is not of the release's model " + target.model());
        }
        if (SemVer.parse(base.version()).compareTo(SemVer.parse(target.version())) >= 0) {
            throw new IllegalArgumentException(
                    "the base version " + base.version() + " must be older than " + target.version());
        }
        if (repository.deltas(targetId).stream().anyMatch(d -> d.baseId().equals(baseId))) {
            throw new IllegalArgumentException(
                    "a delta from " + base.version() + " to " + target.version() + " exists");
        }
        if (Math.max(base.size(), target.size()) > settings.maxDeltaImage()) {
            throw new FirmwareTooLargeException(settings.maxDeltaImage());
        }
        byte[] from = java.nio.file.Files.readAllBytes(image(baseId).file());
        byte[] to = java.nio.file.Files.readAllBytes(image(targetId).file());
        java.io.ByteArrayOutputStream patch = new java.io.ByteArrayOutputStream();
        try {
            io.sigpipe.jbsdiff.Diff.diff(from, to, patch);
        } catch (org.apache.commons.compress.compressors.CompressorException
                | io.sigpipe.jbsdiff.InvalidHeaderException e) {
            throw new IOException("the delta could not be computed: " + e.getMessage(), e);
        }
        FirmwareImages.Stored stored =
                images.write(new java.io.ByteArrayInputStream(patch.toByteArray()), Long.MAX_VALUE);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("version", target.version());
        fields.put("model", target.model());
        fields.put("format", FirmwareDelta.BSDIFF);
        fields.put("size", stored.size());
        fields.put("sha256", stored.sha256());
        fields.put("base_version", base.version());
        fields.put("base_sha256", base.sha256());
        fields.put("target_size", target.size());
        fields.put("target_sha256", target.sha256());
        fields.put("created", now.toString());
        String manifest;
        try {
            manifest = JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        FirmwareDelta delta = new FirmwareDelta(
                "fd-" + HexFormat.of().formatHex(randomBytes()),
                targetId,
                baseId,
                base.version(),
                base.sha256(),
                FirmwareDelta.BSDIFF,
                stored.size(),
                stored.sha256(),
                manifest,
                Base64.getEncoder().encodeToString(signingKey().sign(manifest.getBytes(StandardCharsets.UTF_8))),
                now);
        repository.insertDelta(delta);
        return delta;
    }

    public List<FirmwareDelta> deltas(String firmwareId) {
        get(firmwareId);
        return repository.deltas(firmwareId);
    }

    /** The delta to the release for a device running {@code baseVersion}, if there is one. */
    public java.util.Optional<FirmwareDelta> deltaFrom(String firmwareId, String baseVersion) {
        if (baseVersion == null) {
            return java.util.Optional.empty();
        }
        return repository.deltas(firmwareId).stream()
                .filter(d -> d.baseVersion().equals(baseVersion))
                .findFirst();
    }

    /**
     * The delta's file, checked against its hash.
     *
     * @throws FirmwareCorruptException when it is missing or does not match
     */
    public Path deltaFile(FirmwareDelta delta) throws IOException {
        try {
            return images.checked(delta.id(), delta.sha256(), delta.size());
        } catch (FirmwareCorruptException e) {
            corrupt.increment();
            throw e;
        }
    }

    /** A release and its image's file, to serve. */
    public record Image(Firmware firmware, Path file) {

        /**
         * The image's bytes from {@code offset}, at most {@code length} of them (fewer at its end): one
         * MQTT chunk or CoAP block, read from the file, never the whole image.
         *
         * @throws IllegalArgumentException for an offset at or past the image's end
         */
        public byte[] read(long offset, int length) throws IOException {
            long size = firmware.size();
            if (offset < 0 || offset >= size) {
                throw new IllegalArgumentException("offset " + offset + " is past the image's " + size + " bytes");
            }
            byte[] bytes = new byte[(int) Math.min(length, size - offset)];
            try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(file.toFile(), "r")) {
                in.seek(offset);
                in.readFully(bytes); // EOFException when the file ended before its size
            }
            return bytes;
        }
    }

    /**
     * The release's image, checked against its hash first.
     *
     * @throws FirmwareNotFoundException when there is no such release
     * @throws FirmwareCorruptException when the file is missing or no longer matches
     */
    public Image image(String id) throws IOException {
        Firmware firmware = get(id);
        try {
            return new Image(firmware, images.checked(firmware));
        } catch (FirmwareCorruptException e) {
            corrupt.increment();
            throw e;
        }
    }

    private FirmwareUpload check(FirmwareUpload upload) {
        if (upload.model() == null || !MODEL.matcher(upload.model()).matches()) {
            throw new IllegalArgumentException(
                    "model is required: 1 to 128 letters, digits and . _ : - (starting with a letter or digit)");
        }
        SemVer version = SemVer.parse(upload.version());
        if (upload.minVersion() != null && SemVer.parse(upload.minVersion()).compareTo(version) >= 0) {
            throw new IllegalArgumentException(
                    "min_version " + upload.minVersion() + " must be older than version " + upload.version());
        }
        String filename = upload.filename() == null || upload.filename().isBlank()
                ? upload.model() + "-" + version + ".bin"
                : upload.filename().trim();
        if (!FILENAME.matcher(filename).matches()) {
            throw new IllegalArgumentException(
                    "filename must be 1 to 255 letters, digits and . _ + - (no path), starting with a letter or digit");
        }
        if (upload.releaseNotes() != null && upload.releaseNotes().length() > MAX_NOTES) {
            throw new IllegalArgumentException("release notes are longer than " + MAX_NOTES + " characters");
        }
        Map<String, String> metadata = upload.metadata() == null ? Map.of() : upload.metadata();
        if (metadata.size() > MAX_METADATA
                || metadata.entrySet().stream()
                        .anyMatch(e -> e.getKey().length() > 128
                                || e.getValue() == null
                                || e.getValue().length() > 1024)) {
            throw new IllegalArgumentException(
                    "metadata: at most " + MAX_METADATA + " entries, keys up to 128 and values up to 1,024 characters");
        }
        String vendorSignature = upload.vendorSignature();
        if (vendorSignature != null) {
            try {
                if (vendorSignature.length() > MAX_VENDOR_SIGNATURE
                        || Base64.getDecoder().decode(vendorSignature).length == 0) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "vendor_signature must be base64, at most " + MAX_VENDOR_SIGNATURE + " characters");
            }
        }
        return new FirmwareUpload(
                upload.model(),
                version.toString(),
                upload.minVersion() == null
                        ? null
                        : SemVer.parse(upload.minVersion()).toString(),
                filename,
                upload.releaseNotes(),
                metadata,
                vendorSignature);
    }

    /** The signed manifest: these fields in this order, the bytes devices verify. */
    private static String manifest(FirmwareUpload upload, FirmwareImages.Stored stored, Instant created) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("version", upload.version());
        manifest.put("model", upload.model());
        manifest.put("size", stored.size());
        manifest.put("sha256", stored.sha256());
        manifest.put("min_version", upload.minVersion());
        manifest.put("created", created.toString());
        try {
            return JSON.writeValueAsString(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return bytes;
    }
}
