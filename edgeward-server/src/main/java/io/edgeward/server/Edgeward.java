package io.edgeward.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.coap.CoapCommandChannel;
import io.edgeward.coap.CoapSettings;
import io.edgeward.coap.EmbeddedCoapServer;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.logs.LogLevel;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.rules.RuleSettings;
import io.edgeward.core.sync.EdgeEvents;
import io.edgeward.core.sync.EdgeFirmware;
import io.edgeward.core.sync.EdgeFirmwareJobs;
import io.edgeward.core.sync.EdgeRelay;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.sync.SyncSettings;
import io.edgeward.http.HttpApi;
import io.edgeward.http.HttpSettings;
import io.edgeward.http.ReadinessCheck;
import io.edgeward.mqtt.BrokerSettings;
import io.edgeward.mqtt.EmbeddedBroker;
import io.edgeward.server.config.Configuration;
import io.edgeward.server.config.Keys;
import io.edgeward.server.rules.AlarmEvents;
import io.edgeward.server.rules.JdkWebhookClient;
import io.edgeward.server.rules.RuleFiles;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import io.edgeward.sync.mqtt.MqttUplink;
import io.edgeward.sync.nats.JetStreamEdges;
import io.edgeward.sync.nats.NatsUplink;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Edgeward node: store, registry, pipeline, MQTT broker, CoAP server and HTTP, built here with
 * their constructors, each from the settings its module reads from the configuration, and started
 * in dependency order through {@link Lifecycles} (closed in reverse, each within a bound). The
 * only place that knows every module.
 */
public final class Edgeward implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Edgeward.class);
    public static final String PORTS_FILE = "ports.json";

    private final Configuration config;
    private final Clock clock = Clock.systemUTC();
    private final Threads threads = Threads.named("edgeward");
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Lifecycles parts = new Lifecycles(Platform.STOP_BOUND);
    private JvmGcMetrics gcMetrics;
    private EmbeddedBroker broker;
    private EmbeddedCoapServer coap;
    private HttpApi http;

    public Edgeward(Configuration config) {
        this.config = config;
    }

    public synchronized void start() {
        if (http != null) {
            return;
        }
        long started = System.nanoTime();
        applyLogLevel(config.get(Keys.LOG_LEVEL));
        Path dataDir = config.get(Keys.DATA_DIR).toAbsolutePath().normalize();
        try {
            Files.createDirectories(dataDir);
            String adminToken = AdminToken.resolve(config.get(HttpSettings.ADMIN_TOKEN), dataDir);
            bindProcessMetrics();

            SqlStore store = parts.start("store", SqlStore.open(StoreSettings.from(config, dataDir), threads));
            DiskSpace disk = new DiskSpace(dataDir, config.get(Keys.MIN_FREE_DISK));
            SyncSettings syncSettings = SyncSettings.from(config);
            Platform.Builder builder = Platform.builder(store.ports(), parts);
            if (syncSettings.edge()) {
                builder.uplink(
                        syncSettings.uplink().nats()
                                ? new NatsUplink(syncSettings, threads)
                                : new MqttUplink(syncSettings, threads));
            }
            Platform platform = builder.config(config)
                    .syncSettings(syncSettings)
                    .meters(meters)
                    .threads(threads)
                    .clock(clock)
                    .ruleSettings(RuleSettings.from(config, RuleFiles.read(dataDir.resolve("rules"))))
                    .webhooks(new JdkWebhookClient())
                    .start();
            LogLevel nodeLevel = platform.logs().settings().nodeLevel();
            if (syncSettings.edge() && nodeLevel != null) {
                // The edge's own warnings go to the cloud as the logs of its id; removed before the logs stop.
                Runnable remove = NodeLog.install(platform.logs(), syncSettings.edgeId(), nodeLevel);
                parts.start("node-log", new Lifecycle() {
                    @Override
                    public void start() {}

                    @Override
                    public void close() {
                        remove.run();
                    }
                });
            }

            FirmwareSettings firmwareSettings = FirmwareSettings.from(config, dataDir);
            Firmwares firmwares = parts.start(
                    "firmware",
                    new Firmwares(
                            store.ports().firmware(),
                            store.ports().rollouts()::firmwareInUse,
                            firmwareSettings,
                            clock,
                            meters));
            Rollouts rollouts = new Rollouts(
                    store.ports().rollouts(),
                    firmwares,
                    platform.registry(),
                    platform.shadows(),
                    firmwareSettings,
                    clock,
                    meters,
                    threads);

            broker = new EmbeddedBroker(
                    BrokerSettings.from(config, dataDir),
                    platform.registry(),
                    platform.pipeline(),
                    platform.presence(),
                    platform.shadows(),
                    platform.commands(),
                    rollouts,
                    meters,
                    threads);
            CoapCommandChannel coapCommands = new CoapCommandChannel();
            // MQTT first: a device reachable over MQTT gets its commands there, one observing over CoAP there.
            platform.commands().addTransport(broker.commandTransport());
            platform.commands().addTransport(coapCommands);
            platform.shadows().addListener(broker.shadowListener());
            platform.addSessions(broker);
            broker.keepLogs(platform.logs());
            EmbeddedBroker edgeBroker = broker;
            platform.sync().receiver().ifPresent(receiver -> {
                // Down to devices behind edges, through each edge's connection; after MQTT and CoAP. An
                // edge reading over NATS JetStream gets it there, the others through the broker.
                EdgeRelay relay = platform.sync().relay().orElseThrow();
                platform.commands().addTransport(relay);
                edgeBroker.receiveEdges(receiver, relay::edgeReady);
                if (syncSettings.receive().url() != null) {
                    JetStreamEdges jetStreams = parts.start(
                            "sync-jetstream",
                            new JetStreamEdges(
                                    syncSettings,
                                    receiver,
                                    platform.registry(),
                                    platform.presence(),
                                    relay::edgeReady,
                                    threads));
                    relay.usePublisher(jetStreams.publisher(edgeBroker::publish));
                } else {
                    relay.usePublisher(edgeBroker::publish);
                }
            });
            parts.start("mqtt", broker);
            EmbeddedBroker mqtt = broker;
            platform.rules().usePublisher(mqtt::publish);
            AlarmEvents alarmEvents = parts.start("alarm-events", new AlarmEvents(mqtt::publish, meters, threads));
            platform.rules().addAlarmListener(alarmEvents::changed);

            coap = new EmbeddedCoapServer(
                    CoapSettings.from(config),
                    platform.registry(),
                    platform.pipeline(),
                    platform.presence(),
                    platform.shadows(),
                    platform.commands(),
                    platform.queries(),
                    coapCommands,
                    rollouts,
                    meters,
                    threads);
            platform.shadows().addListener(coap.shadowListener());
            platform.committed().register("coap-observe", coap.committedListener());
            platform.addSessions(coap);
            parts.start("coap", coap);
            platform.startCommands();

            EmbeddedBroker startedBroker = broker;
            EmbeddedCoapServer startedCoap = coap;
            http = parts.start(
                    "http",
                    new HttpApi(
                            HttpSettings.from(config, adminToken),
                            platform.registry(),
                            platform.queries(),
                            platform.shadows(),
                            platform.commands(),
                            platform.retention(),
                            platform.processing(),
                            platform.rules(),
                            firmwares,
                            rollouts,
                            platform.sync(),
                            platform.logs(),
                            meters,
                            List.of(
                                    ReadinessCheck.of("broker", startedBroker::isReady),
                                    ReadinessCheck.of("coap", startedCoap::isRunning),
                                    ReadinessCheck.of("store", store::isHealthy),
                                    ReadinessCheck.of("pipeline", platform.pipeline()::isHealthy),
                                    new ReadinessCheck("disk", disk::problem)),
                            clock));

            HttpApi startedHttp = http;
            String bind = HttpSettings.from(config, adminToken).bindAddress();
            rollouts.addChannel(
                    broker.otaChannel(() -> firmwareSettings.publicUrl().isEmpty()
                            ? "http://" + reachableHost(bind) + ":" + startedHttp.port()
                            : firmwareSettings.publicUrl()));
            // Firmware deployments through the sync link: in the cloud, jobs of devices behind edges go
            // down to their edges; at an edge, the cloud's jobs run here.
            platform.sync().relay().ifPresent(relay -> {
                EdgeFirmware edgeFirmware = new EdgeFirmware(relay, rollouts, firmwares, threads);
                rollouts.addChannel(edgeFirmware);
                relay.addReadyListener(edgeFirmware::edgeReady);
                SyncReceiver receiver = platform.sync().receiver().orElseThrow();
                receiver.onEvent(EdgeEvents.OTA_PROGRESS, edgeFirmware::progress);
                receiver.onEvent(
                        EdgeEvents.FIRMWARE_NEEDED, (edge, device, json) -> edgeFirmware.firmwareNeeded(edge, json));
            });
            platform.sync()
                    .downlink()
                    .ifPresent(downlink -> new EdgeFirmwareJobs(
                                    rollouts,
                                    firmwares,
                                    platform.sync().edgeEvents().orElseThrow())
                            .attach(downlink));
            parts.start("rollouts", rollouts);
            // Last: what comes down from the cloud finds every part that handles it.
            platform.startSync();

            writePorts(dataDir);
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info(
                "Edgeward ready in {} ms: MQTT on port {}, CoAP on {}/udp (DTLS {}/udp), HTTP on port {}, data in {}",
                (System.nanoTime() - started) / 1_000_000,
                broker.port(),
                coap.port(),
                coap.dtlsPort(),
                http.port(),
                dataDir);
    }

    /** Listener ports by name, as written to ports.json. */
    public Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("mqtt", broker.port());
        ports.put("http", http.port());
        ports.put("coap", coap.port());
        ports.put("coaps", coap.dtlsPort());
        return ports;
    }

    /**
     * Reverse order of start: no new requests, then no new messages, then the pipeline commits what
     * it accepted and its consumers finish, then the store closes.
     */
    public synchronized void stop() {
        boolean wasRunning = !parts.isEmpty();
        parts.closeAll();
        http = null;
        coap = null;
        broker = null;
        if (gcMetrics != null) {
            gcMetrics.close();
            gcMetrics = null;
        }
        if (wasRunning) {
            LOG.info("Edgeward stopped: every acknowledged message is in the store");
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void writePorts(Path dataDir) throws IOException {
        Path file = dataDir.resolve(PORTS_FILE);
        Path temp = dataDir.resolve(PORTS_FILE + ".tmp");
        Files.writeString(temp, new ObjectMapper().writeValueAsString(ports()));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The address devices reach this node at: the bound one, or this host's when bound to all. */
    private static String reachableHost(String bind) {
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind.contains(":") ? "[" + bind + "]" : bind;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    private void bindProcessMetrics() {
        new ClassLoaderMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
    }

    private static void applyLogLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger("io.edgeward").setLevel(Level.toLevel(level));
            // Californium logs every endpoint start and every unknown path at INFO: per-request noise.
            context.getLogger("org.eclipse.californium").setLevel(Level.WARN);
        }
    }
}
