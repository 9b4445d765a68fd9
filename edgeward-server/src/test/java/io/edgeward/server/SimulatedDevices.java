package io.edgeward.server;

import static org.awaitility.Awaitility.await;

import io.edgeward.device.Simulator;
import io.edgeward.device.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The simulator's A/B devices against a node, running until closed: {@code devices} of them named
 * {@code <prefix>00001…}, one reading a second each, registered through the node's API with the
 * admin token, updating their firmware when offered a job.
 */
final class SimulatedDevices implements AutoCloseable {

    private final Simulator simulator;
    private final CompletableFuture<Void> run;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    /** Starts them and returns once they publish. */
    SimulatedDevices(
            int mqttPort, int httpPort, String token, int devices, String prefix, double failureRate, Path state) {
        simulator = new Simulator(
                new SimulatorSettings(
                        "127.0.0.1",
                        mqttPort,
                        devices,
                        devices,
                        1,
                        prefix,
                        10,
                        Duration.ofMinutes(5),
                        URI.create("http://127.0.0.1:" + httpPort),
                        token,
                        state,
                        null,
                        null,
                        null,
                        0,
                        null,
                        failureRate),
                new PrintStream(output, true));
        run = CompletableFuture.runAsync(() -> {
            try {
                simulator.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> output.toString().contains("Publishing"));
    }

    /** What the simulator printed so far. */
    String output() {
        return output.toString();
    }

    @Override
    public void close() {
        simulator.stop();
        run.join();
    }
}
