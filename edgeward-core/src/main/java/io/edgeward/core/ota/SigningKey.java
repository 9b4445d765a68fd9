package io.edgeward.core.ota;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Edgeward's Ed25519 key that signs release manifests (the JDK's own EdDSA: no library). Kept in
 * one PEM file, the private key (PKCS#8) and the public key (X.509), readable by the owner only;
 * generated on first use, or imported by placing such a file there (both blocks: the JDK cannot
 * derive the public key from the private one). Devices verify a manifest with the public key, then
 * the image with the manifest's hash.
 */
public final class SigningKey {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private SigningKey(KeyPair pair) {
        this.privateKey = pair.getPrivate();
        this.publicKey = pair.getPublic();
    }

    /**
     * The key in {@code file}, generated there first if absent.
     *
     * @throws IllegalStateException when the file holds no matching Ed25519 pair
     */
    public static SigningKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            return new SigningKey(read(file));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("firmware signing key " + file + ": " + e.getMessage(), e);
        }
    }

    private static void create(Path file) throws IOException, GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String pem = pem("PRIVATE KEY", pair.getPrivate().getEncoded())
                + pem("PUBLIC KEY", pair.getPublic().getEncoded());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, pem, StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the data directory's own permissions protect it.
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static KeyPair read(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        byte[] privateDer = null;
        byte[] publicDer = null;
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (m.group(1)) {
                case "PRIVATE KEY" -> privateDer = der;
                case "PUBLIC KEY" -> publicDer = der;
                default -> {}
            }
        }
        if (privateDer == null || publicDer == null) {
            throw new IllegalArgumentException(
                    "needs a PKCS#8 'PRIVATE KEY' and an X.509 'PUBLIC KEY' PEM block of an Ed25519 pair");
        }
        KeyFactory keys = KeyFactory.getInstance("Ed25519");
        KeyPair pair = new KeyPair(
                keys.generatePublic(new X509EncodedKeySpec(publicDer)),
                keys.generatePrivate(new PKCS8EncodedKeySpec(privateDer)));
        byte[] probe = "edgeward".getBytes(StandardCharsets.US_ASCII);
        if (!verify(pair.getPublic(), probe, sign(pair.getPrivate(), probe))) {
            throw new IllegalArgumentException("the public key is not the private key's");
        }
        return pair;
    }

    /** Ed25519 signature of {@code data}. */
    public byte[] sign(byte[] data) {
        try {
            return sign(privateKey, data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
    }

    /** The public key, X.509 SubjectPublicKeyInfo in PEM, as OpenSSL writes and reads it. */
    public String publicKeyPem() {
        return pem("PUBLIC KEY", publicKey.getEncoded());
    }

    /** The raw 32-byte Ed25519 public key, base64 (what small devices' libraries take). */
    public String publicKeyRaw() {
        byte[] der = publicKey.getEncoded();
        byte[] raw = new byte[32];
        System.arraycopy(der, der.length - 32, raw, 0, 32);
        return Base64.getEncoder().encodeToString(raw);
    }

    private static byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(key);
        signature.update(data);
        return signature.sign();
    }

    private static boolean verify(PublicKey key, byte[] data, byte[] sig) throws GeneralSecurityException {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initVerify(key);
        signature.update(data);
        return signature.verify(sig);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
