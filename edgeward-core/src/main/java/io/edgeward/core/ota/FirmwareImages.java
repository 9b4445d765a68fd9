package io.edgeward.core.ota;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Firmware images on disk, content-addressed: {@code <dir>/sha256/<first two hex digits>/<hash>}.
 * An upload streams into a temporary file while it is hashed (memory does not grow with the
 * image), is forced to disk, and is renamed into place only when complete: a crash leaves at most
 * a temporary file, removed at the next start. Before an image is served it is checked against its
 * hash, once for each time the file changed.
 */
final class FirmwareImages {

    private static final int BUFFER = 64 * 1024;

    private final Path root;
    /** Images checked since they last changed: hash to the file's modification time then. */
    private final Map<String, Long> checked = new ConcurrentHashMap<>();

    record Stored(String sha256, long size) {}

    FirmwareImages(Path root) {
        this.root = root;
    }

    /** Removes what uploads interrupted by a crash left. */
    void clearTemporary() throws IOException {
        Path temporary = root.resolve("tmp");
        if (Files.isDirectory(temporary)) {
            try (Stream<Path> files = Files.list(temporary)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * Stores the image read from {@code in}, at most {@code maxBytes}.
     *
     * @throws FirmwareTooLargeException past {@code maxBytes} (nothing is kept)
     * @throws IllegalArgumentException for an empty image
     */
    Stored write(InputStream in, long maxBytes) throws IOException {
        Path temporary = Files.createDirectories(root.resolve("tmp"));
        Path temp = Files.createTempFile(temporary, "upload-", ".part");
        try {
            MessageDigest sha = sha256();
            long size = 0;
            try (FileOutputStream out = new FileOutputStream(temp.toFile())) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    size += n;
                    if (size > maxBytes) {
                        throw new FirmwareTooLargeException(maxBytes);
                    }
                    sha.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
                out.getFD().sync();
            }
            if (size == 0) {
                throw new IllegalArgumentException("the image is empty");
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            Path target = path(hex);
            Files.createDirectories(target.getParent());
            if (!Files.exists(target) || Files.size(target) != size) {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            checked.put(hex, Files.getLastModifiedTime(target).toMillis());
            return new Stored(hex, size);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * The image's file, checked against its size and hash (again only if the file changed since).
     *
     * @throws FirmwareCorruptException when it is missing or does not match
     */
    Path checked(Firmware firmware) throws IOException {
        return checked(firmware.id(), firmware.sha256(), firmware.size());
    }

    /** As {@link #checked(Firmware)}, for any stored file (a delta): {@code id} names it in a refusal. */
    Path checked(String id, String sha256, long size) throws IOException {
        Path file = path(sha256);
        if (!Files.isRegularFile(file)) {
            throw new FirmwareCorruptException(id, "the file is missing");
        }
        if (Files.size(file) != size) {
            throw new FirmwareCorruptException(id, Files.size(file) + " bytes instead of " + size);
        }
        long modified = Files.getLastModifiedTime(file).toMillis();
        Long checkedAt = checked.get(sha256);
        if (checkedAt == null || checkedAt != modified) {
            MessageDigest sha = sha256();
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    sha.update(buffer, 0, n);
                }
            }
            if (!HexFormat.of().formatHex(sha.digest()).equals(sha256)) {
                checked.remove(sha256);
                throw new FirmwareCorruptException(id, "its SHA-256 no longer matches");
            }
            checked.put(sha256, modified);
        }
        return file;
    }

    void delete(String sha256) throws IOException {
        checked.remove(sha256);
        Files.deleteIfExists(path(sha256));
    }

    private Path path(String sha256) {
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
