package io.edgeward.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' bearer token: configured, or read from {@code <data-dir>/admin-token}, or
 * generated once into that file (created with mode 600 from the start, never world-readable even
 * for a moment) and logged that one time. There is no default token.
 */
final class AdminToken {

    private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
    static final String FILE = "admin-token";

    private AdminToken() {}

    static String resolve(String configured, Path dataDir) throws IOException {
        if (!configured.isEmpty()) {
            return configured;
        }
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (token.length() < 16) {
                throw new IOException(file
                        + " does not hold a valid token (at least 16 characters); delete it to generate a new one");
            }
            return token;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            return resolve(configured, dataDir);
        }
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        LOG.info("Generated the admin token (shown this once; kept in {}): {}", file, token);
        return token;
    }
}
