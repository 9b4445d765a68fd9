package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl, and its key (PEM). */
record TestCertificate(Path cert, Path key) {

    static boolean available() {
        return ExternalProcess.onPath("openssl");
    }

    static TestCertificate make(Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-days",
                        "1",
                        "-subj",
                        "/CN=localhost",
                        "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout",
                        key.toString(),
                        "-out",
                        cert.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile())
                .start();
        assertThat(openssl.waitFor())
                .as("openssl made a certificate (see openssl.log)")
                .isZero();
        return new TestCertificate(cert, key);
    }
}
