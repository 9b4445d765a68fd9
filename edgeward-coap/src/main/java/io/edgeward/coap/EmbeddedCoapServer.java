package io.edgeward.coap;

import io.edgeward.coap.internal.Callers;
import io.edgeward.coap.internal.CoapMetrics;
import io.edgeward.coap.internal.CommandResponseResource;
import io.edgeward.coap.internal.CommandsResource;
import io.edgeward.coap.internal.DevicePskStore;
import io.edgeward.coap.internal.DiscoveryResource;
import io.edgeward.coap.internal.FirmwareResource;
import io.edgeward.coap.internal.GuardedUdpConnector;
import io.edgeward.coap.internal.GuardedUdpParser;
import io.edgeward.coap.internal.ProtocolStage;
import io.edgeward.coap.internal.Routes;
import io.edgeward.coap.internal.SensorResource;
import io.edgeward.coap.internal.ShadowReportedResource;
import io.edgeward.coap.internal.ShadowResource;
import io.edgeward.coap.internal.TelemetryResource;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceSessions;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.shadow.ShadowListener;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.util.ExecutorsUtil;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CoAP server: plain CoAP on one UDP port, CoAP over DTLS 1.2 (PSK) on another, one resource
 * tree behind both (see {@link Routes}). Start and stop are idempotent; port 0 picks a free port,
 * reported by {@link #port()} and {@link #dtlsPort()}.
 */
public final class EmbeddedCoapServer implements DeviceSessions, Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCoapServer.class);
    /**
     * Exchanges remembered per peer to answer a retransmitted request from its first answer.
     * Each holds the request and the response (a few KiB): 64 cover a device's last minutes at a
     * sensible reporting rate and bound the memory at 64 x peers, where RFC 7252's 247 s of
     * everything would grow with the request rate (millions of exchanges at 25k requests/s).
     */
    private static final int DEDUPLICATED_PER_PEER = 64;

    /** Largest datagram read whole: eight times CoAP's recommended message size (RFC 7252, 4.6). */
    private static final int MAX_DATAGRAM = 8 * 1024;

    static {
        // Californium's configuration holds only the modules registered before it is built.
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    private final CoapSettings settings;
    private final DeviceRegistry registry;
    private final CoapMetrics metrics;
    private final Callers callers;
    private final ExecutorService handlers;
    private final ThreadFactory proberThreads;
    private final ThreadFactory stageThreads;
    private final ShadowResource shadow;
    private final CommandsResource commands;
    private final SensorResource sensors;
    private final Routes.Resources resources;
    private CoapServer server;
    private CoapEndpoint plain;
    private CoapEndpoint secure;
    private DTLSConnector dtls;
    private ScheduledExecutorService prober;

    public EmbeddedCoapServer(
            CoapSettings settings,
            DeviceRegistry registry,
            TelemetryPipeline pipeline,
            Presence presence,
            ShadowService shadows,
            CommandService commandService,
            TelemetryQueries queries,
            CoapCommandChannel channel,
            Rollouts rollouts,
            MeterRegistry meters,
            Threads threads) {
        this.settings = settings;
        this.registry = registry;
        this.handlers = Executors.newThreadPerTaskExecutor(threads.virtual("coap"));
        this.proberThreads = threads.platform("coap-probe");
        this.stageThreads = threads.platform("coap-stage");
        this.metrics = new CoapMetrics(meters);
        this.callers = new Callers(registry, settings.plainTokenAuth(), metrics);
        TelemetryResource telemetry = new TelemetryResource(callers, pipeline, presence);
        this.shadow = new ShadowResource(callers, handlers, shadows);
        ShadowReportedResource reported = new ShadowReportedResource(callers, handlers, shadows);
        this.commands = new CommandsResource(callers, handlers, commandService, presence);
        CommandResponseResource response = new CommandResponseResource(callers, handlers, commandService, commands);
        this.sensors = new SensorResource(callers, handlers, queries, telemetry);
        Map<String, Resource> listed = new LinkedHashMap<>();
        listed.put("/telemetry", telemetry);
        listed.put("/shadow", shadow);
        listed.put("/shadow/reported", reported);
        listed.put("/commands", commands);
        FirmwareResource firmware = new FirmwareResource(callers, handlers, rollouts);
        listed.put("/firmware", firmware);
        DiscoveryResource discovery = new DiscoveryResource(callers, handlers, sensors, listed);
        this.resources =
                new Routes.Resources(telemetry, shadow, reported, commands, response, sensors, discovery, firmware);
        shadow.add(reported);
        commands.add(response);
        channel.attach(commands);
        for (CoapResource observable : List.of(commands, shadow, sensors)) {
            Gauge.builder("edgeward.coap.observers", observable, CoapResource::getObserverCount)
                    .description("Observations (RFC 7641) in place, by resource")
                    .tag("resource", observable.getName())
                    .register(meters);
        }
    }

    /** Observers of {@code /shadow} learn of delta changes through this; register it with the shadow service. */
    public ShadowListener shadowListener() {
        return shadow;
    }

    /** Observers of {@code /sensors/...} learn of new values through this; hand it every committed batch. */
    public Consumer<List<Point>> committedListener() {
        return sensors;
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        Configuration config = Configuration.createStandardWithoutFile();
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, settings.maxBodyBytes());
        config.set(CoapConfig.PREFERRED_BLOCK_SIZE, 1024);
        config.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_PEERS_MARK_AND_SWEEP);
        config.set(CoapConfig.PEERS_MARK_AND_SWEEP_MESSAGES, DEDUPLICATED_PER_PEER);
        config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, Runtime.getRuntime().availableProcessors());
        config.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, 4 * 1024 * 1024);
        config.set(UdpConfig.UDP_SEND_BUFFER_SIZE, 4 * 1024 * 1024);
        // A datagram up to this size is read whole; a larger one is answered 4.13 by GuardedUdpConnector
        // (Californium's default of 2,048 bytes dropped larger ones unanswered, and their senders retransmitted).
        // Bodies beyond it travel blockwise; MAX_RESOURCE_BODY_SIZE bounds the whole (4.13 beyond it).
        config.set(UdpConfig.UDP_DATAGRAM_SIZE, MAX_DATAGRAM);
        config.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);

        DevicePskStore psk = new DevicePskStore(registry, metrics);
        DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(settings.bindAddress(), settings.dtlsPort()))
                .setAdvancedPskStore(psk)
                .setHealthHandler(psk)
                .build());
        CoapServer coap = new CoapServer(config);
        ProtocolStage protocolStage =
                new ProtocolStage(config.get(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT), stageThreads);
        CoapEndpoint plainEndpoint = CoapEndpoint.builder()
                .setConfiguration(config)
                .setConnector(new GuardedUdpConnector(
                        new InetSocketAddress(settings.bindAddress(), settings.port()), config, protocolStage, metrics))
                .setDataSerializerAndParser(new UdpDataSerializer(), new GuardedUdpParser())
                .build();
        CoapEndpoint secureEndpoint = CoapEndpoint.builder()
                .setConfiguration(config)
                .setConnector(connector)
                .setDataSerializerAndParser(new UdpDataSerializer(), new GuardedUdpParser())
                .build();
        plainEndpoint.addInterceptor(metrics);
        secureEndpoint.addInterceptor(metrics);
        coap.addEndpoint(plainEndpoint);
        coap.addEndpoint(secureEndpoint);
        Resource root = coap.getRoot();
        root.add(resources.telemetry());
        root.add(shadow);
        root.add(commands);
        root.add(sensors);
        root.add(resources.firmware());
        coap.setMessageDeliverer(new Routes(root, config, callers, resources));
        coap.setExecutors(protocolStage, ExecutorsUtil.newDefaultSecondaryScheduler("edgeward-coap-timer#"), false);
        try {
            coap.start();
        } catch (RuntimeException e) {
            coap.destroy();
            throw new IllegalStateException(
                    "the CoAP server failed to start on " + settings.bindAddress() + " ports " + settings.port() + "/"
                            + settings.dtlsPort() + ": " + e.getMessage(),
                    e);
        }
        server = coap;
        plain = plainEndpoint;
        secure = secureEndpoint;
        dtls = connector;
        long probe = settings.observeCheck().toMillis();
        prober = Executors.newSingleThreadScheduledExecutor(proberThreads);
        prober.scheduleWithFixedDelay(commands::probe, probe, probe, TimeUnit.MILLISECONDS);
        if (!settings.plainTokenAuth()) {
            LOG.info(
                    "Plain CoAP answers every request with 4.01: devices use coaps:// with their PSK (coap.plain-token-auth enables tokens)");
        }
        LOG.info(
                "CoAP listening on {}:{} (udp) and {}:{} (DTLS 1.2, PSK)",
                settings.bindAddress(),
                port(),
                settings.bindAddress(),
                dtlsPort());
    }

    /** The plain CoAP port (the chosen one when configured as 0). */
    public synchronized int port() {
        return plain == null ? -1 : plain.getAddress().getPort();
    }

    /** The CoAP-over-DTLS port (the chosen one when configured as 0). */
    public synchronized int dtlsPort() {
        return secure == null ? -1 : secure.getAddress().getPort();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Revoked credentials: the device's DTLS sessions and observations end, and nothing cached of it remains. */
    @Override
    public void disconnect(DeviceId id, boolean forget) {
        callers.forget(id);
        commands.forget(id);
        DTLSConnector connector;
        synchronized (this) {
            connector = dtls;
        }
        if (connector != null) {
            connector.startDropConnectionsForPrincipal(new PreSharedKeyIdentity(id.value()));
        }
    }

    public synchronized void stop() {
        if (server == null) {
            return;
        }
        prober.shutdownNow();
        server.stop();
        server.destroy();
        server = null;
        plain = null;
        secure = null;
        dtls = null;
        LOG.info("CoAP server stopped");
    }

    @Override
    public void close() {
        stop();
        handlers.shutdown();
    }
}
