package io.edgeward.mqtt;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.CommandTransport;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceSessions;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareDelta;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.OtaChannel;
import io.edgeward.core.ota.OtaDocuments;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.shadow.ShadowListener;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.mqtt.internal.BrokerProbe;
import io.edgeward.mqtt.internal.EdgewardExtension;
import io.edgeward.mqtt.internal.MqttMetrics;
import io.edgeward.mqtt.internal.auth.ConnectAuthenticator;
import io.edgeward.mqtt.internal.auth.Principals;
import io.edgeward.mqtt.internal.device.DeviceTopics;
import io.edgeward.mqtt.internal.device.MqttDeviceChannel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded MQTT broker (HiveMQ CE) with Edgeward's extension. Start and stop are idempotent;
 * port 0 picks a free port, reported by {@link #port()}.
 *
 * <p>The broker keeps its own file persistence under {@code directory/data}: persistent sessions,
 * their queued QoS 1/2 messages and retained messages survive a restart.
 */
public final class EmbeddedBroker implements DeviceSessions, Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    /** How long a forced disconnect may take to be recorded before the session is dropped regardless. */
    private static final Duration OFFLINE_WAIT = Duration.ofSeconds(5);
    /** Stateless: it publishes through HiveMQ's services, which exist while a broker runs. */
    private final MqttDeviceChannel deviceChannel = new MqttDeviceChannel();
    /**
     * Longest client id the broker accepts (HiveMQ's own check, before any extension sees the
     * CONNECT; MQTT 5 answers 0x85). A device's id is at most 64 characters; 256 leaves room for
     * applications' ids, where HiveMQ's default of 65,535 let one CONNECT carry 64 KiB of id into
     * every place that keeps or logs it.
     */
    static final int MAX_CLIENT_ID_LENGTH = 256;

    private final BrokerSettings settings;
    private final DeviceRegistry registry;
    private final TelemetryPipeline pipeline;
    private final MeterRegistry meters;
    private final Presence presence;
    private final ShadowService shadows;
    private final CommandService commands;
    private final Rollouts rollouts;
    private final Threads threads;
    private EmbeddedHiveMQ hivemq;
    private ExecutorService blocking;
    private BrokerProbe probe;
    private int port;

    private SyncReceiver edges;
    private Consumer<DeviceId> edgeReady = edge -> {};
    private DeviceLogs logs;

    public EmbeddedBroker(
            BrokerSettings settings,
            DeviceRegistry registry,
            TelemetryPipeline pipeline,
            Presence presence,
            ShadowService shadows,
            CommandService commands,
            Rollouts rollouts,
            MeterRegistry meters,
            Threads threads) {
        this.settings = settings;
        this.rollouts = rollouts;
        this.threads = threads;
        this.shadows = shadows;
        this.commands = commands;
        this.presence = presence;
        this.registry = registry;
        this.pipeline = pipeline;
        this.meters = meters;
    }

    /** Device logs published on {@code device/{id}/log} are stored here; before {@link #start()}. */
    public synchronized void keepLogs(DeviceLogs logs) {
        this.logs = logs;
    }

    /**
     * Makes this broker take edges' sync frames ({@code edge/{id}/sync/{stream}}) into the receiver,
     * and tell {@code edgeReady} when an edge subscribed to what goes down to it; before {@link
     * #start()}. Without it, such frames are refused.
     */
    public synchronized void receiveEdges(SyncReceiver receiver, Consumer<DeviceId> edgeReady) {
        this.edges = receiver;
        this.edgeReady = edgeReady;
    }

    /** Starts the broker; the presence it reports to must have been started (every device offline). */
    @Override
    public synchronized void start() {
        if (hivemq != null) {
            return;
        }
        if (settings.allowAnonymous()) {
            LOG.warn(
                    "mqtt.allow-anonymous is ON: any client may connect without credentials. "
                            + "Use this only on a closed test bench; anonymous clients still cannot publish into sensor/# or device/#.");
        }
        EdgewardExtension.verifyBrokerInternals();
        port = settings.port() == 0 ? freePort(settings.bindAddress()) : settings.port();
        Path conf = settings.directory().resolve("conf");
        Path data = settings.directory().resolve("data");
        Path extensions = settings.directory().resolve("extensions");
        try {
            Files.createDirectories(conf);
            Files.createDirectories(data);
            Files.createDirectories(extensions);
            Files.writeString(conf.resolve("config.xml"), configXml());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the broker directory " + settings.directory(), e);
        }

        Map<String, MqttUser> users = new LinkedHashMap<>();
        settings.users().forEach(user -> users.put(user.username(), user));
        MqttMetrics metrics = new MqttMetrics(meters);
        Principals principals = new Principals(users);
        blocking = Executors.newThreadPerTaskExecutor(threads.virtual("mqtt-blocking"));
        String bind = settings.bindAddress();
        BrokerProbe brokerProbe =
                new BrokerProbe(bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind, port);
        MqttDeviceChannel channel = deviceChannel;
        EdgewardExtension extension = new EdgewardExtension(
                new ConnectAuthenticator(
                        registry,
                        users,
                        settings.allowAnonymous(),
                        principals,
                        metrics,
                        blocking,
                        brokerProbe.clientId()),
                principals,
                pipeline,
                registry,
                metrics,
                settings.storeTimeout(),
                blocking,
                presence,
                shadows,
                commands,
                rollouts,
                channel,
                Optional.ofNullable(edges),
                edgeReady,
                logs);

        EmbeddedHiveMQ broker = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withoutLoggingBootstrap()
                .withEmbeddedExtension(EmbeddedExtension.builder()
                        .withId("edgeward")
                        .withName("Edgeward")
                        .withVersion("1")
                        .withAuthor("Edgeward")
                        .withPriority(1000)
                        .withStartPriority(1000)
                        .withExtensionMain(extension)
                        .build())
                .build();
        try {
            broker.start().get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            blocking.shutdownNow();
            throw new IllegalStateException(
                    "the MQTT broker failed to start on " + settings.bindAddress() + ":" + port + ": " + rootMessage(e),
                    e);
        }
        hivemq = broker;
        probe = brokerProbe;
        Gauge.builder("edgeward.mqtt.connections", broker, EmbeddedBroker::currentConnections)
                .description("Open MQTT connections")
                .register(meters);
        Gauge.builder("edgeward.devices.online", presence, Presence::onlineCount)
                .description("Devices connected: an open MQTT connection, or a CoAP observation of /commands")
                .register(meters);
        LOG.info("MQTT broker listening on {}:{}", settings.bindAddress(), port);
    }

    /**
     * How the platform reaches devices over MQTT, for the root to add to the command service. Until
     * the broker runs it takes no command (they stay queued).
     */
    public CommandTransport commandTransport() {
        return deviceChannel;
    }

    /**
     * Publishes as the node itself, to whoever the ACL lets subscribe: rules' {@code publish} actions
     * and alarm events ({@code alarms/{device_id}/{rule_id}}). Waits for the broker to take the
     * message, so that a failure reaches the caller (a rule's action retries it).
     *
     * @throws IllegalStateException when the broker is not running or did not take the message
     */
    public void publish(String topic, byte[] payload, int qos, boolean retain) {
        if (!isRunning()) {
            throw new IllegalStateException("the MQTT broker is not running");
        }
        try {
            Services.publishService()
                    .publish(Builders.publish()
                            .topic(topic)
                            .qos(qos == 0 ? Qos.AT_MOST_ONCE : Qos.AT_LEAST_ONCE)
                            .retain(retain)
                            .payload(ByteBuffer.wrap(payload))
                            .build())
                    .get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing on " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker did not take the message on " + topic + ": " + e, e);
        }
    }

    /**
     * How devices on MQTT hear of their update jobs: the notification, retained on {@code
     * device/{id}/ota/notify} (QoS 1) so that a device connecting later gets it, until the job
     * ends; a canceled job is announced there first. The image is downloaded over HTTP from
     * {@code <baseUrl>/ota/v1/jobs/{job}/firmware}.
     */
    public OtaChannel otaChannel(Supplier<String> baseUrl) {
        return new OtaChannel() {
            @Override
            public void offer(DeviceJob job, Firmware firmware, FirmwareDelta delta) {
                String jobUrl = baseUrl.get() + "/ota/v1/jobs/" + job.id();
                publish(
                        DeviceTopics.otaNotify(job.device()),
                        OtaDocuments.notification(job, firmware, jobUrl + "/firmware", delta, jobUrl + "/delta"),
                        1,
                        true);
            }

            @Override
            public void withdraw(DeviceJob job) {
                String topic = DeviceTopics.otaNotify(job.device());
                if (job.status() == JobStatus.CANCELED) {
                    publish(topic, OtaDocuments.canceled(job), 1, false);
                }
                publish(topic, new byte[0], 1, true); // an empty retained message clears the retained one
            }
        };
    }

    /** The MQTT side of shadows (accepted, documents and delta messages), for the root to add to the shadow service. */
    public ShadowListener shadowListener() {
        return deviceChannel;
    }

    @Override
    public void disconnect(DeviceId id, boolean forget) {
        if (!isRunning()) {
            return;
        }
        var clients = Services.clientService();
        joinQuietly(
                clients.disconnectClient(
                        id.value(),
                        false,
                        DisconnectReasonCode.NOT_AUTHORIZED,
                        "the device's credentials were revoked"),
                "Disconnecting '{}' found no connection: {}",
                id);
        if (forget) {
            // HiveMQ persists a disconnect after the channel has closed, with the session expiry it
            // copied when the disconnect began; a session invalidated before that write would be
            // written back with its old expiry (seen as a persistent session that outlived its
            // device). So the session is invalidated once HiveMQ records the client as offline.
            awaitOffline(clients, id);
            joinQuietly(clients.invalidateSession(id.value()), "Dropping the session of '{}' found none: {}", id);
        }
    }

    /** Waits for a client service call whose failure only means there was nothing to act on. */
    private static void joinQuietly(CompletableFuture<?> call, String debugMessage, DeviceId id) {
        call.exceptionally(e -> {
                    LOG.debug(debugMessage, id, e.toString());
                    return null;
                })
                .join();
    }

    private static void awaitOffline(ClientService clients, DeviceId id) {
        long deadline = System.nanoTime() + OFFLINE_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!clients.isClientConnected(id.value()).exceptionally(e -> false).join()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        LOG.warn(
                "Client '{}' still counts as connected {} after it was disconnected; dropping its session anyway",
                id,
                OFFLINE_WAIT);
    }

    /** The TCP port the broker listens on (the chosen one when configured as 0). */
    public int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return hivemq != null;
    }

    /** True when the broker runs and answers a CONNECT (through the authenticator) within two seconds. */
    public boolean isReady() {
        BrokerProbe current;
        synchronized (this) {
            current = hivemq == null ? null : probe;
        }
        return current != null && current.answers();
    }

    public synchronized void stop() {
        if (hivemq == null) {
            return;
        }
        try {
            hivemq.stop().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("The MQTT broker did not stop cleanly: {}", rootMessage(e));
        } finally {
            hivemq = null;
            blocking.shutdown();
        }
        LOG.info("MQTT broker stopped");
    }

    @Override
    public void close() {
        stop();
    }

    private static double currentConnections(EmbeddedHiveMQ broker) {
        var gauge = broker.getMetricRegistry().getGauges().get("com.hivemq.networking.connections.current");
        return gauge == null || !(gauge.getValue() instanceof Number n) ? Double.NaN : n.doubleValue();
    }

    private String configXml() {
        return """
                <?xml version="1.0"?>
                <!-- Written by Edgeward at every start from its own configuration; edits here are overwritten. -->
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                        </tcp-listener>
                    </listeners>
                    <mqtt>
                        <packets>
                            <max-packet-size>%d</max-packet-size>
                        </packets>
                        <receive-maximum>
                            <server-receive-maximum>%d</server-receive-maximum>
                        </receive-maximum>
                    </mqtt>
                    <restrictions>
                        <max-client-id-length>%d</max-client-id-length>
                    </restrictions>
                    <persistence>
                        <mode>file</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(
                        port,
                        xml(settings.bindAddress()),
                        settings.maxPacketSize(),
                        settings.serverReceiveMaximum(),
                        MAX_CLIENT_ID_LENGTH);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * HiveMQ does not report the port it bound when configured with 0, so a free port is chosen
     * here. Another process could take it in the moment between; start-up then fails loudly.
     */
    private static int freePort(String bindAddress) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + bindAddress, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
