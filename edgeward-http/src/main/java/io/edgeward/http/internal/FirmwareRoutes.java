package io.edgeward.http.internal;

import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareDelta;
import io.edgeward.core.ota.FirmwareUpload;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.SigningKey;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/firmware}: releases uploaded as a streamed body (metadata in the query), listed,
 * fetched, deleted; images downloaded whole or by byte range (RFC 9110: 206 with Content-Range, 416
 * for a range outside the image), with the image's hash as a strong ETag; the manifest with its
 * signature, and the public key that verifies it.
 */
public final class FirmwareRoutes {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final String METADATA_PREFIX = "meta.";

    private final Firmwares firmwares;

    public FirmwareRoutes(Firmwares firmwares) {
        this.firmwares = firmwares;
    }

    /** {@code POST /api/v1/firmware?model=&version=[&min_version=&filename=&release_notes=&meta.KEY=]}, the image as the body. */
    public void upload(Context ctx) throws IOException {
        String type = ctx.contentType();
        if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            uploadForm(ctx);
            return;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        ctx.queryParamMap().forEach((name, values) -> {
            if (name.startsWith(METADATA_PREFIX) && !values.isEmpty()) {
                metadata.put(name.substring(METADATA_PREFIX.length()), values.getFirst());
            }
        });
        FirmwareUpload upload = new FirmwareUpload(
                ctx.queryParam("model"),
                ctx.queryParam("version"),
                ctx.queryParam("min_version"),
                ctx.queryParam("filename"),
                ctx.queryParam("release_notes"),
                metadata,
                ctx.header("X-Vendor-Signature"));
        Firmware firmware;
        try (InputStream body = ctx.bodyInputStream()) {
            firmware = firmwares.add(upload, body);
        }
        created(ctx, firmware);
    }

    /**
     * A form upload ({@code multipart/form-data}, as a browser or {@code curl -F} sends it): the image
     * in the part {@code file}, the metadata in fields of the query's names (the query still works).
     * The servlet container spools the part to a file under the firmware directory, so memory does
     * not grow with the image either.
     */
    private void uploadForm(Context ctx) throws IOException {
        io.javalin.http.UploadedFile file;
        try {
            file = ctx.uploadedFile("file");
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage())
                            .toLowerCase(java.util.Locale.ROOT)
                            .contains("exceed")
                    || e.getCause() != null
                            && String.valueOf(e.getCause().getMessage())
                                    .toLowerCase(java.util.Locale.ROOT)
                                    .contains("exceed")) {
                throw new io.edgeward.core.ota.FirmwareTooLargeException(
                        firmwares.settings().maxImageSize());
            }
            throw ApiException.badRequest("the multipart body cannot be read: " + e.getMessage());
        }
        if (file == null) {
            throw ApiException.badRequest("a form upload needs the image in a part named 'file'");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        ctx.formParamMap().forEach((name, values) -> {
            if (name.startsWith(METADATA_PREFIX) && !values.isEmpty()) {
                metadata.put(name.substring(METADATA_PREFIX.length()), values.getFirst());
            }
        });
        String filename = field(ctx, "filename");
        FirmwareUpload upload = new FirmwareUpload(
                field(ctx, "model"),
                field(ctx, "version"),
                field(ctx, "min_version"),
                filename != null ? filename : file.filename(),
                field(ctx, "release_notes"),
                metadata,
                ctx.header("X-Vendor-Signature") != null
                        ? ctx.header("X-Vendor-Signature")
                        : field(ctx, "vendor_signature"));
        Firmware firmware;
        try (InputStream body = file.content()) {
            firmware = firmwares.add(upload, body);
        }
        created(ctx, firmware);
    }

    private static String field(Context ctx, String name) {
        String value = ctx.formParam(name);
        return value != null ? value : ctx.queryParam(name);
    }

    private static void created(Context ctx, Firmware firmware) {
        ctx.status(201).header("Location", "/api/v1/firmware/" + firmware.id()).json(view(firmware));
    }

    public void list(Context ctx) {
        ctx.json(Map.of(
                "firmware",
                firmwares.list(ctx.queryParam("model")).stream()
                        .map(FirmwareRoutes::view)
                        .toList()));
    }

    public void get(Context ctx) {
        ctx.json(view(firmwares.get(ctx.pathParam("id"))));
    }

    public void delete(Context ctx) throws IOException {
        firmwares.delete(ctx.pathParam("id"));
        ctx.status(204);
    }

    record DeltaRequest(
            @com.fasterxml.jackson.annotation.JsonProperty("from")
            String from) {}

    /** {@code POST /api/v1/firmware/{id}/deltas} with {@code {"from": "<base release id>"}}: computes and signs the delta. */
    public void addDelta(Context ctx) throws IOException {
        String from = ctx.bodyAsClass(DeltaRequest.class).from();
        if (from == null || from.isBlank()) {
            throw ApiException.badRequest("from (the base release's id) is required");
        }
        FirmwareDelta delta = firmwares.addDelta(ctx.pathParam("id"), from);
        ctx.status(201).json(view(delta));
    }

    public void deltas(Context ctx) {
        ctx.json(Map.of(
                "deltas",
                firmwares.deltas(ctx.pathParam("id")).stream()
                        .map(FirmwareRoutes::view)
                        .toList()));
    }

    static Map<String, Object> view(FirmwareDelta delta) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", delta.id());
        view.put("firmware_id", delta.firmwareId());
        view.put("base_id", delta.baseId());
        view.put("base_version", delta.baseVersion());
        view.put("base_sha256", delta.baseSha256());
        view.put("format", delta.format());
        view.put("size", delta.size());
        view.put("sha256", delta.sha256());
        view.put("manifest", delta.manifest());
        view.put("signature", delta.signature());
        view.put("created_at", delta.createdAt().toString());
        return view;
    }

    /** The manifest exactly as signed (a string: re-encoding it would break the signature) and the signature. */
    public void manifest(Context ctx) {
        Firmware firmware = firmwares.get(ctx.pathParam("id"));
        ctx.json(Map.of("manifest", firmware.manifest(), "signature", firmware.signature(), "algorithm", "Ed25519"));
    }

    public void signingKey(Context ctx) {
        SigningKey key = firmwares.signingKey();
        if ("application/x-pem-file".equals(ctx.header("Accept"))) {
            ctx.contentType("application/x-pem-file").result(key.publicKeyPem());
            return;
        }
        ctx.json(
                Map.of("algorithm", "Ed25519", "public_key_pem", key.publicKeyPem(), "public_key", key.publicKeyRaw()));
    }

    /** {@code GET} and {@code HEAD} of the image, whole or one byte range. */
    public void content(Context ctx) throws IOException {
        serve(ctx, firmwares.image(ctx.pathParam("id")));
    }

    /** Serves a checked image: whole, one byte range (206), or 304 when the client has it. */
    static void serve(Context ctx, Firmwares.Image image) throws IOException {
        serve(ctx, image, null);
    }

    /** As {@link #serve(Context, Firmwares.Image)}, to a device: counted and paced by {@code downloads}. */
    static void serve(Context ctx, Firmwares.Image image, Downloads downloads) throws IOException {
        Firmware firmware = image.firmware();
        serve(ctx, image.file(), firmware.size(), firmware.etag(), firmware.filename(), downloads);
    }

    /** Serves a checked, content-addressed file (a delta) to a device: its name is its hash, and so its ETag. */
    static void serveFile(Context ctx, java.nio.file.Path file, String filename, Downloads downloads)
            throws IOException {
        serve(ctx, file, java.nio.file.Files.size(file), "\"" + file.getFileName() + "\"", filename, downloads);
    }

    private static void serve(
            Context ctx, java.nio.file.Path file, long size, String etag, String filename, Downloads downloads)
            throws IOException {
        ctx.disableCompression(); // lengths and ranges are of the file's own bytes
        ctx.header("ETag", etag);
        ctx.header("Accept-Ranges", "bytes");
        ctx.header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
        ctx.contentType("application/octet-stream");
        if (matches(ctx.header("If-None-Match"), etag)) {
            ctx.status(304);
            return;
        }
        long from = 0;
        long to = size - 1;
        String range = ctx.header("Range");
        String ifRange = ctx.header("If-Range");
        if (range != null && (ifRange == null || ifRange.trim().equals(etag))) {
            long[] bounds = range(range, size);
            if (bounds == null) {
                ctx.header("Content-Range", "bytes */" + size);
                throw new ApiException(
                        416,
                        "range-not-satisfiable",
                        "Range not satisfiable",
                        "the range '" + range + "' is not a single byte range within the image's " + size + " bytes");
            }
            from = bounds[0];
            to = bounds[1];
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + from + "-" + to + "/" + size);
        }
        long length = to - from + 1;
        ctx.header("Content-Length", Long.toString(length));
        if (ctx.method().name().equals("HEAD")) {
            return;
        }
        if (downloads != null) {
            try {
                downloads.awaitTurn();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a download's turn", e);
            }
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(from);
        } catch (IOException | RuntimeException e) {
            if (downloads != null) {
                downloads.endTurn();
            }
            throw e;
        }
        InputStream body = new BoundedInputStream(Channels.newInputStream(channel), length);
        ctx.result(downloads == null ? body : downloads.paced(body));
    }

    /** The first and last byte of a single {@code bytes=} range, or null when it is not one or lies outside. */
    static long[] range(String header, long size) {
        Matcher m = RANGE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return null;
        }
        try {
            if (m.group(1).isEmpty()) { // the last n bytes
                long n = Long.parseLong(m.group(2));
                return n == 0 ? null : new long[] {Math.max(0, size - n), size - 1};
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            return first >= size || first > last ? null : new long[] {first, last};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    static Map<String, Object> view(Firmware firmware) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", firmware.id());
        view.put("model", firmware.model());
        view.put("version", firmware.version());
        view.put("min_version", firmware.minVersion());
        view.put("filename", firmware.filename());
        view.put("size", firmware.size());
        view.put("sha256", firmware.sha256());
        view.put("release_notes", firmware.releaseNotes());
        view.put("metadata", firmware.metadata());
        view.put("vendor_signature", firmware.vendorSignature());
        view.put("manifest", firmware.manifest());
        view.put("signature", firmware.signature());
        view.put("created_at", firmware.createdAt().toString());
        view.put("download", "/api/v1/firmware/" + firmware.id() + "/content");
        return view;
    }

    /** At most {@code remaining} bytes of {@code in}; closes it. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
