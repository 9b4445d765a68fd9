package io.edgeward.server.cli;

import io.edgeward.core.time.Durations;
import io.edgeward.device.Simulator;
import io.edgeward.device.SimulatorSettings;
import io.edgeward.device.Summary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code edgeward simulate}: a fleet of simulated sensors, also the benchmark's load generator. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = {
            "Provision N simulated sensors and publish seed-format telemetry (temperature, humidity, pressure,",
            "vibration: random walks with a daily cycle and rare anomalies) over MQTT 5 with persistent sessions,",
            "a Last Will on device/{id}/status and automatic reconnects; optionally thermostats that answer commands",
            "and follow their shadow. Prints a live progress line and a summary."
        })
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--devices", defaultValue = "10", description = "Number of devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--rate",
            defaultValue = "10/s",
            paramLabel = "R/s",
            description =
                    "Total messages per second over all devices, e.g. 500/s; 'max' = as fast as acknowledged (default: ${DEFAULT-VALUE}).")
    String rate;

    @Option(
            names = "--thermostats",
            defaultValue = "0",
            description =
                    "Also run this many thermostats (actuators): they handle set_temperature and restart commands and follow "
                            + "desired.target_temperature in their shadow (default: ${DEFAULT-VALUE}).")
    int thermostats;

    @Option(names = "--qos", defaultValue = "1", description = "MQTT QoS 0, 1 or 2 (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(
            names = "--broker",
            paramLabel = "HOST:PORT",
            description = "MQTT broker (default: localhost and the node's MQTT port from ports.json, else 1883).")
    String broker;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "Stop after this long, e.g. 60s or 5m (default: until Ctrl-C).")
    String duration;

    @Option(
            names = "--ota-failure-rate",
            defaultValue = "0",
            paramLabel = "RATE",
            description = "Share of firmware updates whose health check fails after the reboot, 0 to 1 (the device"
                    + " rolls back to its old slot and reports rolled_back). Default: ${DEFAULT-VALUE}.")
    double otaFailureRate;

    @Option(
            names = "--warmup",
            paramLabel = "DURATION",
            description =
                    "Publish this long first, the same way, and leave it out of the summary (benchmarks: warm JITs), e.g. 20s.")
    String warmup;

    @Option(names = "--prefix", defaultValue = "sim-", description = "Device id prefix (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(
            names = "--inflight",
            defaultValue = "10",
            description = "Most unacknowledged messages per device (default: ${DEFAULT-VALUE}).")
    int inflight;

    @Option(
            names = "--no-provision",
            description = "Connect anonymously without registering devices (for a plain broker, e.g. a baseline).")
    boolean noProvision;

    @Option(
            names = "--credentials",
            paramLabel = "FILE",
            description =
                    "Where device secrets are kept between runs (default: <data-dir>/simulator-credentials.json).")
    Path credentials;

    @Option(names = "--summary-json", paramLabel = "FILE", description = "Also write the summary as JSON.")
    Path summaryJson;

    @Option(
            names = "--topic",
            defaultValue = "sensor/{id}/telemetry",
            paramLabel = "PATTERN",
            description = "Topic to publish to; {id} is the device id (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = "--status-topic",
            defaultValue = "device/{id}/status",
            paramLabel = "PATTERN",
            description =
                    "Presence topic (Last Will 'offline', 'online' on connect); {id} is the device id (default: ${DEFAULT-VALUE}).")
    String statusTopic;

    @Mixin
    ApiTarget target;

    @Override
    public Integer call() throws Exception {
        String host = "localhost";
        int port;
        if (broker != null) {
            int colon = broker.lastIndexOf(':');
            host = colon < 0 ? broker : broker.substring(0, colon);
            port = colon < 0 ? 1883 : Integer.parseInt(broker.substring(colon + 1));
        } else {
            Integer local = target.mqttPort();
            port = local == null ? 1883 : local;
        }
        double perSecond = rate.equalsIgnoreCase("max")
                ? 0
                : Double.parseDouble(rate.replace("/s", "").trim());
        SimulatorSettings settings = new SimulatorSettings(
                host,
                port,
                devices,
                perSecond,
                qos,
                prefix,
                inflight,
                duration == null ? null : Durations.parse(duration),
                noProvision ? null : target.url(),
                noProvision ? null : target.token(),
                credentials != null ? credentials : target.dataDir().resolve("simulator-credentials.json"),
                summaryJson,
                topic,
                statusTopic,
                thermostats,
                warmup == null ? null : Durations.parse(warmup),
                otaFailureRate);
        Simulator simulator = new Simulator(settings, System.out);
        Thread hook = new Thread(simulator::stop, "simulator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Summary summary = simulator.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down.
        }
        return summary.errors() == 0 ? 0 : 3;
    }
}
