package io.edgeward.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's SWUpdate as a hawkBit device: builds CMS-signed {@code .swu} images with {@code openssl}
 * and {@code cpio} (sw-description, its signature, one payload installed by the rawfile handler),
 * and runs {@code swupdate} in suricatta mode, each process with its own TMPDIR (its IPC sockets
 * live there) and its output in a file.
 */
final class Swupdate {

    private final Path dir;
    private final Path cert;
    private final Path key;

    Swupdate(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        this.cert = dir.resolve("signer.pem");
        this.key = dir.resolve("signer.key");
        run(
                dir,
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-subj",
                "/O=Edgeward test/CN=signer",
                "-days",
                "2");
    }

    /** Whether the tools this needs are installed; the message says what is missing. */
    static String missing() {
        for (String tool : List.of("swupdate", "openssl", "cpio")) {
            if (!ExternalProcess.onPath(tool)) {
                return tool + " is not installed (Debian: apt-get install swupdate openssl cpio)";
            }
        }
        return null;
    }

    /**
     * A signed image of {@code version} that installs {@code payload} at {@code target}; with {@code
     * wrongHash} the sw-description names another SHA-256 than the payload's.
     */
    Path image(String name, String version, byte[] payload, Path target, boolean wrongHash) throws Exception {
        Path work = Files.createDirectories(dir.resolve("build-" + name));
        Files.write(work.resolve("payload.bin"), payload);
        String sha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        if (wrongHash) {
            sha256 = sha256.substring(0, 63) + (sha256.charAt(63) == '0' ? '1' : '0');
        }
        Files.writeString(work.resolve("sw-description"), """
                software =
                {
                	version = "%s";
                	hardware-compatibility: [ "1.0" ];
                	files: (
                		{
                			filename = "payload.bin";
                			path = "%s";
                			sha256 = "%s";
                		}
                	);
                }
                """.formatted(version, target, sha256));
        run(
                work,
                "openssl",
                "cms",
                "-sign",
                "-in",
                "sw-description",
                "-out",
                "sw-description.sig",
                "-signer",
                cert.toString(),
                "-inkey",
                key.toString(),
                "-outform",
                "DER",
                "-nosmimecap",
                "-binary");
        Path swu = dir.resolve(name + ".swu");
        ProcessBuilder cpio = new ProcessBuilder(
                        "sh",
                        "-c",
                        "printf 'sw-description\\nsw-description.sig\\npayload.bin\\n' | cpio -o -H crc > " + swu)
                .directory(work.toFile())
                .redirectErrorStream(true);
        Process process = cpio.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("cpio failed: " + output);
        }
        return swu;
    }

    /** A running suricatta client. */
    final class Client implements AutoCloseable {
        final Process process;
        final Path log;

        Client(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        String output() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Starts {@code swupdate} polling {@code url} as {@code device}; {@code confirm} is its {@code
     * -c} (2: "the update I rebooted into works"), or null.
     */
    Client start(String name, String url, String device, String secret, String confirm) throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp-" + name));
        Path log = dir.resolve(name + ".log");
        List<String> suricatta =
                new ArrayList<>(List.of("-t", "DEFAULT", "-u", url, "-i", device, "-k", secret, "-p", "1"));
        if (confirm != null) {
            suricatta.add("-c");
            suricatta.add(confirm);
        }
        ProcessBuilder builder = new ProcessBuilder(
                        "swupdate", "-v", "-k", cert.toString(), "-H", "board:1.0", "-u", String.join(" ", suricatta))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("TMPDIR", tmp.toString());
        return new Client(builder.start(), log);
    }

    private static void run(Path dir, String... command) throws Exception {
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
