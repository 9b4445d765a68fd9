package io.edgeward.server.cli;

import io.edgeward.server.Edgeward;
import io.edgeward.server.config.Configuration;
import io.edgeward.server.config.ConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgeward run}: start a node and keep it up until SIGTERM/Ctrl-C. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run an Edgeward node: MQTT broker, CoAP server, telemetry pipeline, store and HTTP API.",
            "Without options: MQTT on 1883, CoAP on 5683/udp and 5684/udp (DTLS), HTTP on 8080, data under ./data.",
            "Every setting can also come from a YAML file (--config) or an EDGEWARD_* variable; see `edgeward config`."
        })
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default ./data).")
    String dataDir;

    @Option(names = "--mqtt-port", paramLabel = "PORT", description = "MQTT port (default 1883; 0 = any free port).")
    String mqttPort;

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (default 8080; 0 = any free port).")
    String httpPort;

    @Option(
            names = "--coap-port",
            paramLabel = "PORT",
            description = "Plain CoAP UDP port (default 5683; 0 = any free port).")
    String coapPort;

    @Option(
            names = "--coaps-port",
            paramLabel = "PORT",
            description = "CoAP over DTLS UDP port (default 5684; 0 = any free port).")
    String coapsPort;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Any configuration key, e.g. --set mqtt.allow-anonymous=true.")
    Map<String, String> overrides = new HashMap<>();

    /** Longest a stop may take on SIGTERM: the broker's and the pipeline's own bounded stops, with room to spare. */
    private static final Duration STOP_LIMIT = Duration.ofSeconds(120);

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new HashMap<>(overrides);
        put(flags, "data-dir", dataDir);
        put(flags, "mqtt.port", mqttPort);
        put(flags, "http.port", httpPort);
        put(flags, "coap.port", coapPort);
        put(flags, "coap.dtls-port", coapsPort);
        Configuration configuration;
        try {
            configuration = Configuration.load(config, System.getenv(), flags);
        } catch (ConfigurationException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Edgeward node = new Edgeward(configuration);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stopWithin(node, STOP_LIMIT);
                            stopped.countDown();
                        },
                        "edgeward-shutdown"));
        try {
            node.start();
        } catch (RuntimeException e) {
            System.err.println("Edgeward failed to start: " + rootMessage(e));
            return 1;
        }
        stopped.await();
        return 0;
    }

    /**
     * Stops the node, or halts the JVM if stopping takes longer than {@code limit}: a SIGTERM must
     * end the process even when a part of it hangs (a store that no longer answers), so that a
     * supervisor can restart it. What was acknowledged is already durable; halting loses nothing of it.
     */
    private static void stopWithin(Edgeward node, Duration limit) {
        Thread stopping = Thread.ofPlatform().name("edgeward-stop").daemon().start(node::stop);
        try {
            if (!stopping.join(limit)) {
                System.err.println("Edgeward did not stop within " + limit.toSeconds() + " s; halting");
                Runtime.getRuntime().halt(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void put(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }

    private static String rootMessage(Throwable e) {
        String message = e.getMessage();
        Throwable cause = e.getCause();
        while (cause != null) {
            if (cause.getMessage() != null && (message == null || !message.contains(cause.getMessage()))) {
                message = (message == null ? "" : message + ": ") + cause.getMessage();
            }
            cause = cause.getCause();
        }
        return message;
    }
}
