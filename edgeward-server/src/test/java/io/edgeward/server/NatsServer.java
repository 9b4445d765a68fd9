package io.edgeward.server;

import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's {@code nats-server} with JetStream on a fixed port and store directory, so a test can
 * kill it with SIGKILL and start it again on the same data.
 */
final class NatsServer implements AutoCloseable {

    private final Path dir;
    private final int port;
    private Process process;

    NatsServer(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        try (ServerSocket socket = new ServerSocket(0)) {
            this.port = socket.getLocalPort();
        }
    }

    static boolean installed() {
        return ExternalProcess.onPath("nats-server");
    }

    int port() {
        return port;
    }

    /** Clients must use TLS with this certificate; before {@link #start()}. */
    void tls(TestCertificate certificate) {
        this.certificate = certificate;
    }

    private TestCertificate certificate;

    String url() {
        return (certificate == null ? "nats://" : "tls://") + "127.0.0.1:" + port;
    }

    void start() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "nats-server",
                "-js",
                "-sd",
                dir.resolve("store").toString(),
                "-a",
                "127.0.0.1",
                "-p",
                String.valueOf(port)));
        if (certificate != null) {
            command.addAll(List.of(
                    "--tls",
                    "--tlscert",
                    certificate.cert().toString(),
                    "--tlskey",
                    certificate.key().toString()));
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("nats.log").toFile()))
                .start();
        Process started = process;
        await().atMost(Duration.ofSeconds(20))
                .failFast("nats-server exited (see nats.log)", () -> !started.isAlive())
                .ignoreExceptions()
                .until(() -> {
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        return true;
                    }
                });
    }

    /** SIGKILL: JetStream keeps what it acknowledged (written before the acknowledgement). */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
