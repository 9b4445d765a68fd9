package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareConflictException;
import io.edgeward.core.ota.FirmwareCorruptException;
import io.edgeward.core.ota.FirmwareNotFoundException;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.ota.FirmwareTooLargeException;
import io.edgeward.core.ota.FirmwareUpload;
import io.edgeward.core.ota.Firmwares;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The firmware repository over each store, with its images in a real directory. */
abstract class FirmwareContract {

    static final long MAX_IMAGE = 1 << 20;

    @TempDir
    Path files;

    SqlStore store;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Firmwares firmwares;

    abstract SqlStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
        firmwares = started();
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private Firmwares started() {
        Firmwares started = new Firmwares(
                store.ports().firmware(),
                store.ports().rollouts()::firmwareInUse,
                new FirmwareSettings(files, MAX_IMAGE, java.time.Duration.ofMinutes(30)),
                Clock.systemUTC(),
                meters);
        started.start();
        return started;
    }

    static FirmwareUpload upload(String model, String version) {
        return new FirmwareUpload(model, version, null, null, null, null, null);
    }

    static byte[] image(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void release_keepsItsMetadata_storesTheImageByHash_andSignsItsManifest() throws Exception {
        byte[] bytes = image(200_000, 1);
        Firmware added = firmwares.add(
                new FirmwareUpload(
                        "T100",
                        "2.1.0",
                        "1.4.0",
                        "t100.swu",
                        "Fixes the fan curve",
                        Map.of("board", "rev-b"),
                        "c2lnbmVk"),
                new ByteArrayInputStream(bytes));

        String sha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(firmwares.get(added.id())).isEqualTo(added);
        assertThat(added.sha256()).isEqualTo(sha256);
        assertThat(added.size()).isEqualTo(bytes.length);
        assertThat(added.metadata()).containsEntry("board", "rev-b");
        assertThat(added.vendorSignature()).isEqualTo("c2lnbmVk");
        assertThat(Files.readAllBytes(
                        files.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256)))
                .isEqualTo(bytes);

        JsonNode manifest = new ObjectMapper().readTree(added.manifest());
        assertThat(manifest.fieldNames())
                .toIterable()
                .containsExactly("version", "model", "size", "sha256", "min_version", "created");
        assertThat(manifest.path("sha256").asText()).isEqualTo(sha256);
        assertThat(manifest.path("size").asLong()).isEqualTo(bytes.length);
        assertThat(manifest.path("min_version").asText()).isEqualTo("1.4.0");
        assertThat(verifies(firmwares.signingKey().publicKeyPem(), added.manifest(), added.signature()))
                .isTrue();
        assertThat(verifies(
                        firmwares.signingKey().publicKeyPem(),
                        added.manifest().replace("2.1.0", "2.1.1"),
                        added.signature()))
                .as("a changed manifest does not verify")
                .isFalse();
        assertThat(firmwares.list("T100")).containsExactly(added);
        assertThat(firmwares.list("other")).isEmpty();
    }

    @Test
    void signingKey_isKeptAcrossRestarts_readableByItsOwnerOnly() throws Exception {
        String key = firmwares.signingKey().publicKeyPem();
        assertThat(started().signingKey().publicKeyPem()).isEqualTo(key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.resolve("signing-key.pem"))))
                .isEqualTo("rw-------");
    }

    @Test
    void secondReleaseOfAVersion_isRefused_andLeavesTheFirstIntact() throws Exception {
        Firmware first = firmwares.add(upload("T100", "2.1.0"), new ByteArrayInputStream(image(1000, 1)));
        assertThatThrownBy(() -> firmwares.add(upload("T100", "2.1.0"), new ByteArrayInputStream(image(1000, 2))))
                .isInstanceOf(FirmwareConflictException.class);
        assertThat(firmwares.list(null)).containsExactly(first);
        assertThat(firmwares.image(first.id()).file()).exists();
        assertThatThrownBy(() -> firmwares.add(upload("T100", "2.0.0-"), new ByteArrayInputStream(image(10, 3))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> firmwares.add(
                        new FirmwareUpload("T100", "2.2.0", "2.2.0", null, null, null, null),
                        new ByteArrayInputStream(image(10, 3))))
                .hasMessageContaining("must be older");
        assertThatThrownBy(() -> firmwares.add(
                        new FirmwareUpload("T100", "2.2.0", null, "../etc/passwd", null, null, null),
                        new ByteArrayInputStream(image(10, 3))))
                .hasMessageContaining("filename");
        assertThatThrownBy(() -> firmwares.add(upload("T100", "2.2.0"), new ByteArrayInputStream(new byte[0])))
                .hasMessageContaining("empty");
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void imageLargerThanTheLimit_isRefused_andNothingIsKept() throws IOException {
        assertThatThrownBy(() ->
                        firmwares.add(upload("T100", "3.0.0"), new ByteArrayInputStream(new byte[(int) MAX_IMAGE + 1])))
                .isInstanceOf(FirmwareTooLargeException.class);
        assertThat(firmwares.list(null)).isEmpty();
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void oneImageInTwoReleases_isStoredOnce_andGoesWithTheLast() throws Exception {
        byte[] bytes = image(5000, 4);
        Firmware a = firmwares.add(upload("T100", "1.0.0"), new ByteArrayInputStream(bytes));
        Firmware b = firmwares.add(upload("T200", "1.0.0"), new ByteArrayInputStream(bytes));
        Path file = firmwares.image(a.id()).file();
        assertThat(firmwares.image(b.id()).file()).isEqualTo(file);

        firmwares.delete(a.id());
        assertThat(file).exists();
        assertThatThrownBy(() -> firmwares.get(a.id())).isInstanceOf(FirmwareNotFoundException.class);
        firmwares.delete(b.id());
        assertThat(file).doesNotExist();
        assertThatThrownBy(() -> firmwares.delete(b.id())).isInstanceOf(FirmwareNotFoundException.class);
    }

    @Test
    void damagedImage_isNotServed_andCounted() throws Exception {
        Firmware added = firmwares.add(upload("T100", "1.0.0"), new ByteArrayInputStream(image(5000, 5)));
        Path file = firmwares.image(added.id()).file();
        byte[] damaged = Files.readAllBytes(file);
        damaged[1234] ^= 0x01; // one bit, same length
        Files.write(file, damaged);
        Files.setLastModifiedTime(
                file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));

        assertThatThrownBy(() -> firmwares.image(added.id()))
                .isInstanceOf(FirmwareCorruptException.class)
                .hasMessageContaining("SHA-256 no longer matches");
        assertThat(meters.get("edgeward.firmware.corrupt").counter().count()).isEqualTo(1);
        Files.delete(file);
        assertThatThrownBy(() -> firmwares.image(added.id())).hasMessageContaining("missing");
    }

    @Test
    void uploadCutShortByACrash_leavesATemporaryFile_thatTheNextStartRemoves() throws Exception {
        Path leftover = Files.createDirectories(files.resolve("tmp")).resolve("upload-1.part");
        Files.write(leftover, new byte[100]);
        started();
        assertThat(leftover).doesNotExist();
    }

    private List<Path> temporaryFiles() throws IOException {
        Path temporary = files.resolve("tmp");
        if (!Files.isDirectory(temporary)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(temporary)) {
            return list.toList();
        }
    }

    @Test
    void delta_fromAnOlderRelease_patchesItsBaseIntoTheTarget_isSigned_andGoesWithItsRelease() throws Exception {
        byte[] base = image(300_000, 21);
        byte[] target = base.clone();
        for (int i = 1000; i < 300_000; i += 25_000) {
            target[i] ^= 0x5a; // a build with a few changes, as two builds of one program differ
        }
        Firmware from = firmwares.add(upload("T100", "1.0.0"), new ByteArrayInputStream(base));
        Firmware to = firmwares.add(upload("T100", "1.1.0"), new ByteArrayInputStream(target));

        io.edgeward.core.ota.FirmwareDelta delta = firmwares.addDelta(to.id(), from.id());

        assertThat(delta.size()).as("much smaller than the image").isLessThan(target.length / 10);
        assertThat(delta.baseVersion()).isEqualTo("1.0.0");
        assertThat(delta.baseSha256()).isEqualTo(from.sha256());
        java.io.ByteArrayOutputStream patched = new java.io.ByteArrayOutputStream();
        io.sigpipe.jbsdiff.Patch.patch(base, Files.readAllBytes(firmwares.deltaFile(delta)), patched);
        assertThat(patched.toByteArray()).isEqualTo(target);
        JsonNode manifest = new ObjectMapper().readTree(delta.manifest());
        assertThat(manifest.path("format").asText()).isEqualTo("bsdiff40");
        assertThat(manifest.path("target_sha256").asText()).isEqualTo(to.sha256());
        assertThat(verifies(firmwares.signingKey().publicKeyPem(), delta.manifest(), delta.signature()))
                .isTrue();
        assertThat(firmwares.deltaFrom(to.id(), "1.0.0")).contains(delta);
        assertThat(firmwares.deltaFrom(to.id(), "0.9.0")).isEmpty();

        Firmware other = firmwares.add(upload("X9", "2.0.0"), new ByteArrayInputStream(image(1000, 3)));
        assertThatThrownBy(() -> firmwares.addDelta(to.id(), other.id()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model");
        assertThatThrownBy(() -> firmwares.addDelta(from.id(), to.id()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be older");
        assertThatThrownBy(() -> firmwares.addDelta(to.id(), from.id()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exists");

        Path file =
                files.resolve("sha256").resolve(delta.sha256().substring(0, 2)).resolve(delta.sha256());
        firmwares.delete(from.id());
        assertThat(firmwares.deltas(to.id())).as("a delta goes with its base").isEmpty();
        assertThat(file).doesNotExist();
    }

    static boolean verifies(String publicKeyPem, String manifest, String signature) throws Exception {
        String base64 = publicKeyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64))));
        verifier.update(manifest.getBytes(StandardCharsets.UTF_8));
        return verifier.verify(Base64.getDecoder().decode(signature));
    }
}
