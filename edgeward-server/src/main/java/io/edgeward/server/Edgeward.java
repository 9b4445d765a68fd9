package io.edgeward.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.coap.CoapCommandChannel;
import io.edgeward.coap.CoapSettings;
import io.edgeward.coap.EmbeddedCoapServer;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceCensus;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceSessions;
import io.edgeward.core.device.Presence;
import io.edgeward.core.shadow.ShadowReporter;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowSettings;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.CommittedTelemetry;
import io.edgeward.core.telemetry.TelemetryDecoder;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.http.HttpApi;
import io.edgeward.http.HttpSettings;
import io.edgeward.http.ReadinessCheck;
import io.edgeward.mqtt.BrokerSettings;
import io.edgeward.mqtt.EmbeddedBroker;
import io.edgeward.server.config.Configuration;
import io.edgeward.server.config.Keys;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Edgeward node: store, registry, pipeline, MQTT broker, CoAP server and HTTP, built here with their
 * constructors and started in dependency order (stopped in reverse). The only place that knows
 * every module.
 */
public final class Edgeward implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Edgeward.class);
    public static final String PORTS_FILE = "ports.json";
    private static final Duration LAST_SEEN_FLUSH = Duration.ofSeconds(5);
    private static final Duration COMMAND_SWEEP = Duration.ofMillis(250);

    private final Configuration config;
    private final Clock clock = Clock.systemUTC();
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private SqlStore store;
    private TelemetryPipeline pipeline;
    private EmbeddedBroker broker;
    private EmbeddedCoapServer coap;
    private Presence presence;
    private DeviceCensus census;
    private ShadowReporter reporter;
    private ShadowService shadows;
    private CommandService commands;
    private HttpApi http;
    private JvmGcMetrics gcMetrics;
    /** The stage after the commit: the shadow reporter and CoAP's observed sensors register with it. */
    private CommittedTelemetry committed;
    /** Transports whose connections end when a device's credentials are revoked, as they are started. */
    private final List<DeviceSessions> sessions = new CopyOnWriteArrayList<>();

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
            String adminToken = AdminToken.resolve(config.get(Keys.ADMIN_TOKEN), dataDir);
            bindProcessMetrics();

            String url = config.get(Keys.STORE_URL);
            store = SqlStore.open(url.isEmpty() ? StoreSettings.embedded(dataDir)
                    : new StoreSettings(url, config.get(Keys.STORE_USERNAME), config.get(Keys.STORE_PASSWORD), config.get(Keys.STORE_POOL_SIZE)));
            presence = new Presence(store.devices(), LAST_SEEN_FLUSH);
            // The transports are built after the registry they authenticate against; revocations reach each one
            // that has registered its sessions by then.
            DeviceRegistry registry = new DeviceRegistry(store.devices(), presence,
                    (id, forget) -> sessions.forEach(transport -> transport.disconnect(id, forget)), clock);
            census = new DeviceCensus(store.devices(), meters, Duration.ofSeconds(15));

            shadows = new ShadowService(store.shadows(), store.devices(), shadowSettings(), clock, meters);
            shadows.start();
            reporter = new ShadowReporter(shadows);
            CoapCommandChannel coapCommands = new CoapCommandChannel();
            commands = new CommandService(store.commands(), store.devices(), presence, config.get(Keys.COMMANDS_DEFAULT_TTL), clock, meters);

            committed = new CommittedTelemetry(meters, Thread.ofPlatform().daemon().factory(), CommittedTelemetry.DEFAULT_CAPACITY);
            TelemetryDecoder decoder = new TelemetryDecoder(new TelemetryLimits(config.get(Keys.TELEMETRY_MAX_PAYLOAD),
                    config.get(Keys.TELEMETRY_MAX_POINTS), config.get(Keys.TELEMETRY_MAX_FUTURE_SKEW), config.get(Keys.TELEMETRY_MAX_STRING),
                    config.get(Keys.TELEMETRY_MAX_UNIT)));
            pipeline = new TelemetryPipeline(store.telemetry(), decoder, new PipelineSettings(config.get(Keys.PIPELINE_QUEUE_CAPACITY),
                    config.get(Keys.PIPELINE_MAX_BATCH_POINTS), config.get(Keys.METRICS_PER_DEVICE), config.get(Keys.PIPELINE_COMMIT_TIMEOUT),
                    config.get(Keys.PIPELINE_MIN_COMMIT_INTERVAL)), meters, committed);
            committed.register("shadow-reporter", reporter);
            pipeline.start();
            reporter.start();

            broker = new EmbeddedBroker(new BrokerSettings(config.get(Keys.MQTT_BIND), config.get(Keys.MQTT_PORT),
                    config.get(Keys.MQTT_MAX_PACKET_SIZE), config.get(Keys.MQTT_RECEIVE_MAXIMUM), config.get(Keys.MQTT_ALLOW_ANONYMOUS),
                    config.mqttUsers(), config.get(Keys.MQTT_STORE_TIMEOUT), dataDir.resolve("broker")), registry, pipeline, presence,
                    shadows, commands, meters);
            // MQTT first: a device reachable over MQTT gets its commands there, one observing over CoAP there.
            commands.addTransport(broker.commandTransport());
            commands.addTransport(coapCommands);
            shadows.addListener(broker.shadowListener());
            broker.start();
            sessions.add(broker);
            TelemetryQueries queries = new TelemetryQueries(store.telemetry());
            coap = new EmbeddedCoapServer(new CoapSettings(config.get(Keys.COAP_BIND), config.get(Keys.COAP_PORT),
                    config.get(Keys.COAP_DTLS_PORT), config.get(Keys.COAP_PLAIN_TOKEN_AUTH), config.get(Keys.TELEMETRY_MAX_PAYLOAD),
                    config.get(Keys.COAP_OBSERVE_CHECK)), registry, pipeline, presence, shadows, commands, queries, coapCommands, meters);
            shadows.addListener(coap.shadowListener());
            committed.register("coap-observe", coap.committedListener());
            coap.start();
            sessions.add(coap);
            commands.start(COMMAND_SWEEP);

            EmbeddedBroker startedBroker = broker;
            SqlStore startedStore = store;
            TelemetryPipeline startedPipeline = pipeline;
            EmbeddedCoapServer startedCoap = coap;
            http = new HttpApi(new HttpSettings(config.get(Keys.HTTP_BIND), config.get(Keys.HTTP_PORT), adminToken), registry,
                    queries, shadows, commands, meters, List.of(
                            new ReadinessCheck("broker", startedBroker::isReady),
                            new ReadinessCheck("coap", startedCoap::isRunning),
                            new ReadinessCheck("store", startedStore::isHealthy),
                            new ReadinessCheck("pipeline", startedPipeline::isHealthy)), clock);
            http.start();
            census.start();

            writePorts(dataDir);
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info("Edgeward ready in {} ms: MQTT on port {}, CoAP on {}/udp (DTLS {}/udp), HTTP on port {}, data in {}",
                (System.nanoTime() - started) / 1_000_000, broker.port(), coap.port(), coap.dtlsPort(), http.port(), dataDir);
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

    public synchronized void stop() {
        // Reverse order: no new requests, then no new messages, then flush, then close the store.
        boolean wasRunning = store != null;
        if (http != null) {
            http.stop();
            http = null;
        }
        if (coap != null) {
            coap.close();
            coap = null;
        }
        if (broker != null) {
            broker.stop();
            broker = null;
        }
        if (commands != null) {
            commands.close();
            commands = null;
        }
        if (census != null) {
            census.close();
            census = null;
        }
        if (presence != null) {
            presence.close();
            presence = null;
        }
        if (pipeline != null) {
            pipeline.stop();
            pipeline = null;
        }
        if (committed != null) {
            // After the pipeline's last commit: its consumers finish what they were handed.
            committed.close();
            committed = null;
        }
        if (reporter != null) {
            reporter.close();
            reporter = null;
        }
        if (shadows != null) {
            shadows.close();
            shadows = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        // A node started again registers its parts anew.
        sessions.clear();
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

    private ShadowSettings shadowSettings() {
        String metrics = config.get(Keys.SHADOW_REPORTED_METRICS).trim();
        Set<String> reported = metrics.isEmpty() ? Set.of()
                : Arrays.stream(metrics.split(",")).map(String::trim).filter(m -> !m.isEmpty()).collect(Collectors.toSet());
        return new ShadowSettings(config.get(Keys.SHADOW_MAX_STATE), config.get(Keys.SHADOW_MAX_DEPTH),
                config.get(Keys.SHADOW_HISTORY_VERSIONS), reported, config.get(Keys.SHADOW_REPORTED_INTERVAL));
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
