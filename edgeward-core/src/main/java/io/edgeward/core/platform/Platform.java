package io.edgeward.core.platform;

import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.CommandSettings;
import io.edgeward.core.config.Config;
import io.edgeward.core.device.DeviceCensus;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceSessions;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.logs.LogSettings;
import io.edgeward.core.processing.Processing;
import io.edgeward.core.processing.ProcessingSettings;
import io.edgeward.core.retention.Retention;
import io.edgeward.core.retention.RetentionSettings;
import io.edgeward.core.rules.RuleSettings;
import io.edgeward.core.rules.Rules;
import io.edgeward.core.rules.WebhookClient;
import io.edgeward.core.shadow.ShadowReporter;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowSettings;
import io.edgeward.core.sync.EdgeConfigApplier;
import io.edgeward.core.sync.EdgeConfigs;
import io.edgeward.core.sync.EdgeDownlink;
import io.edgeward.core.sync.EdgeEvents;
import io.edgeward.core.sync.EdgeRelay;
import io.edgeward.core.sync.OutboxForwarder;
import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.Resync;
import io.edgeward.core.sync.Sync;
import io.edgeward.core.sync.SyncCodec;
import io.edgeward.core.sync.SyncMetrics;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.sync.SyncSender;
import io.edgeward.core.sync.SyncSettings;
import io.edgeward.core.sync.Uplink;
import io.edgeward.core.telemetry.CommittedTelemetry;
import io.edgeward.core.telemetry.Forwarder;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryDecoder;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The domain of a node (registry, presence, shadows, commands, the telemetry pipeline and the
 * stage after its commit) built over the store's ports, and started into the node's
 * {@link Lifecycles} in dependency order. The application and the tests build it with the same
 * {@link Builder}: the tests with the defaults and what they override, as Leshan's builders allow.
 *
 * <p>Transports are built after it, register with it ({@link #addSessions}, the command service's
 * and the shadow service's listeners, the committed stage), and are started into the same
 * lifecycles; {@link #startCommands} comes last, since its first sweep sends what waited across a
 * restart through the transports. Closing the lifecycles stops everything in reverse.
 */
public final class Platform {

    /** How long one part may take to stop before the node goes on without it. */
    public static final Duration STOP_BOUND = Duration.ofSeconds(30);

    private final Lifecycles parts;
    private final Presence presence;
    private final DeviceRegistry registry;
    private final ShadowService shadows;
    private final CommandService commands;
    private final CommittedTelemetry committed;
    private final TelemetryPipeline pipeline;
    private final TelemetryQueries queries;
    private final DeviceCensus census;
    private final ShadowReporter reporter;
    private final Retention retention;
    private final DeviceLogs logs;
    private final Processing processing;
    private final Rules rules;
    private final Sync sync;
    private final Duration pipelineStopBound;
    /** Transports whose connections end when a device's credentials are revoked, as they register. */
    private final List<DeviceSessions> sessions = new CopyOnWriteArrayList<>();

    private Platform(Builder builder) {
        StorePorts ports = builder.ports;
        this.parts = builder.parts;
        MeterRegistry meters = builder.meters;
        Threads threads = builder.threads;
        Config config = builder.config;
        this.presence = new Presence(ports.devices(), builder.lastSeenFlush, threads);
        this.registry = new DeviceRegistry(
                ports.devices(),
                presence,
                (id, forget) -> sessions.forEach(transport -> transport.disconnect(id, forget)),
                builder.clock);
        registry.addDeletionListener(ports.telemetryWriter()::deleteDevice);
        this.census = new DeviceCensus(ports.devices(), meters, builder.censusPeriod, threads);
        ShadowSettings shadowSettings =
                builder.shadowSettings != null ? builder.shadowSettings : ShadowSettings.from(config);
        this.shadows =
                new ShadowService(ports.shadows(), ports.devices(), shadowSettings, builder.clock, meters, threads);
        CommandSettings commandSettings =
                builder.commandSettings != null ? builder.commandSettings : CommandSettings.from(config);
        this.commands = new CommandService(
                ports.commands(), ports.devices(), presence, commandSettings, builder.clock, meters, threads);

        this.reporter = new ShadowReporter(shadows, threads);
        this.committed = new CommittedTelemetry(meters, threads, CommittedTelemetry.DEFAULT_CAPACITY);
        committed.register("shadow-reporter", reporter);
        committed.register(
                "last-seen",
                points -> presence.seenAll(
                        () -> points.stream().map(Point::device).iterator()));
        PipelineSettings pipelineSettings =
                builder.pipelineSettings != null ? builder.pipelineSettings : PipelineSettings.from(config);
        TelemetryLimits limits =
                builder.telemetryLimits != null ? builder.telemetryLimits : TelemetryLimits.from(config);
        ProcessingSettings processingSettings =
                builder.processingSettings != null ? builder.processingSettings : ProcessingSettings.from(config);
        this.processing = new Processing(
                ports.processingConfigs(),
                ports.processedStream(),
                ports.telemetryReader(),
                ports.devices(),
                processingSettings,
                builder.clock,
                meters,
                threads);
        registry.addChangeListener(processing::deviceChanged);
        registry.addDeletionListener(ports.processedStream()::deleteDevice);
        this.rules = new Rules(
                ports.rules(),
                ports.ruleJournal(),
                ports.alarms(),
                ports.devices(),
                shadows,
                commands,
                ports.telemetryReader(),
                builder.webhooks,
                builder.ruleSettings != null ? builder.ruleSettings : RuleSettings.from(config, java.util.List.of()),
                builder.clock,
                meters,
                threads);
        committed.registerTimed("rules", rules::committed);
        registry.addChangeListener(rules::deviceChanged);
        registry.addDeletionListener(rules::deviceDeleted);
        LogSettings logSettings = builder.logSettings != null ? builder.logSettings : LogSettings.from(config);
        this.logs = new DeviceLogs(ports.deviceLogs(), logSettings, meters, builder.clock, threads);
        registry.addDeletionListener(logs::deleteDevice);
        SyncSettings syncSettings = builder.syncSettings != null ? builder.syncSettings : SyncSettings.from(config);
        SyncMetrics syncMetrics = new SyncMetrics(meters);
        SyncSender sender = null;
        Resync resync = null;
        Forwarder forwarder = Forwarder.NONE;
        EdgeDownlink downlink = null;
        EdgeEvents edgeEvents = null;
        if (syncSettings.edge()) {
            if (builder.uplink == null) {
                throw new IllegalStateException("sync.role is edge but no uplink was given for "
                        + syncSettings.uplink().url());
            }
            sender = new SyncSender(ports.outbox(), builder.uplink, syncSettings, syncMetrics, builder.clock, threads);
            OutboxForwarder outboxForwarder = new OutboxForwarder(syncSettings, ports.devices(), sender::highFull);
            forwarder = outboxForwarder;
            SyncSender wakeable = sender;
            committed.register("sync", points -> wakeable.wake());
            registry.addChangeListener(outboxForwarder::deviceChanged);
            EdgeEvents events = new EdgeEvents(
                    syncSettings.edgeId(),
                    ports.outbox(),
                    ports.devices(),
                    syncMetrics,
                    wakeable::wake,
                    builder.clock,
                    threads);
            // Changes made here, or at edges behind this one (a relay), go up; one from the cloud is not sent back.
            registry.addChangeListener(
                    EnumSet.of(DeviceRegistry.Origin.LOCAL, DeviceRegistry.Origin.FROM_EDGE), events::deviceChanged);
            presence.addListener(events::statusChanged);
            shadows.addListener(events::shadowChanged);
            commands.addEndListener(events::commandEnded);
            rules.addAlarmListener(events::alarmChanged);
            rules.useForwarder(events::ruleForwarded);
            resync = new Resync(
                    registry, ports.telemetryReader(), ports.outbox(), sender, syncSettings, builder.clock, threads);
            // Device logs (and the node's own) go up the low stream, in the transaction that stores them.
            Priority logStream = syncSettings.logs();
            logs.forwardWith(entries -> SyncCodec.logs(entries, logStream), wakeable::wake);
            EdgeConfigApplier configApplier = new EdgeConfigApplier(
                    syncSettings.edgeId(), rules, processing, ports.edgeConfigs(), events, builder.clock);
            downlink = new EdgeDownlink(registry, commands, shadows, events, resync, configApplier);
            edgeEvents = events;
            builder.uplink.receive(downlink);
        }
        EdgeRelay relay = null;
        EdgeConfigs edgeConfigs = null;
        if (syncSettings.cloud()) {
            relay = new EdgeRelay(ports.outbox(), registry, presence, commands, shadows, builder.clock);
            edgeConfigs = new EdgeConfigs(ports.edgeConfigs(), registry, rules, relay, builder.clock);
            relay.addReadyListener(edgeConfigs::edgeReady);
            presence.addListener(relay::presenceChanged);
            commands.addRelay(relay::reachable);
            // Changes made here, or above (a relay), go down; one that came from the edge is not sent back.
            registry.addChangeListener(
                    EnumSet.of(DeviceRegistry.Origin.LOCAL, DeviceRegistry.Origin.FROM_CLOUD), relay::deviceChanged);
            shadows.addListener(relay::shadowChanged);
            registry.addDeletionListener(relay::forget);
        }
        this.pipeline = new TelemetryPipeline(
                ports.telemetryWriter(),
                processing.processor(),
                forwarder,
                new TelemetryDecoder(limits),
                pipelineSettings,
                meters,
                committed,
                threads);
        this.pipelineStopBound = pipelineSettings.commitTimeout().plus(STOP_BOUND);
        this.sync = new Sync(
                syncSettings,
                sender,
                syncSettings.cloud()
                        ? new SyncReceiver(
                                pipeline,
                                registry,
                                presence,
                                commands,
                                shadows,
                                ports.outbox(),
                                syncMetrics,
                                relay,
                                edgeConfigs,
                                logs,
                                builder.clock,
                                threads)
                        : null,
                ports.outbox(),
                resync,
                relay,
                edgeConfigs,
                ports.edgeConfigs(),
                downlink,
                edgeEvents);
        EdgeEvents upward = edgeEvents;
        if (upward != null) {
            // A node with both roles relays what its edges report up to the node it forwards to.
            sync.receiver().ifPresent(receiver -> receiver.relayEventsTo(upward));
        }
        this.queries = new TelemetryQueries(ports.telemetryReader());
        RetentionSettings retentionSettings =
                builder.retentionSettings != null ? builder.retentionSettings : RetentionSettings.from(config);
        this.retention = new Retention(
                ports.telemetryRetention(),
                ports.devices(),
                retentionSettings,
                processing.rawPeriods(),
                builder.clock,
                meters,
                threads);
    }

    /** Starts the parts in dependency order into the node's lifecycles, which close them in reverse. */
    private Platform start() {
        // Marks every device offline before any transport can report one online.
        parts.start("presence", presence);
        parts.start("census", census);
        parts.start("shadows", shadows);
        // Consumers of committed telemetry start before the stage that feeds them, the stage before the
        // pipeline: each stops after what feeds it.
        parts.start("shadow-reporter", reporter);
        parts.start("committed-telemetry", committed);
        // The configuration in force is loaded before the first group commit runs it.
        parts.start("processing", processing);
        // Its states are loaded and caught up before the first commit reaches it.
        parts.start("rules", rules);
        parts.start("pipeline", pipeline, pipelineStopBound);
        parts.start("retention", retention);
        parts.start("device-logs", logs);
        return this;
    }

    public static Builder builder(StorePorts ports, Lifecycles parts) {
        return new Builder(ports, parts);
    }

    /** A transport's sessions, closed when a device's credentials are revoked or the device deleted. */
    public void addSessions(DeviceSessions transport) {
        sessions.add(transport);
    }

    /**
     * Starts the edge's sender (its uplink connects, and what comes down arrives from then on): the
     * root calls it once every part that handles what comes down is in place. After the pipeline,
     * so it stops before the pipeline, which commits what the devices sent meanwhile.
     */
    public void startSync() {
        sync.edgeEvents().ifPresent(events -> parts.start("edge-events", events));
        sync.sender().ifPresent(sender -> parts.start("sync", sender));
    }

    /** Starts the command service's sweep; after the transports, which it sends through. */
    public void startCommands() {
        parts.start("commands", commands);
    }

    public DeviceRegistry registry() {
        return registry;
    }

    public Presence presence() {
        return presence;
    }

    public ShadowService shadows() {
        return shadows;
    }

    public CommandService commands() {
        return commands;
    }

    public CommittedTelemetry committed() {
        return committed;
    }

    public TelemetryPipeline pipeline() {
        return pipeline;
    }

    public TelemetryQueries queries() {
        return queries;
    }

    public Retention retention() {
        return retention;
    }

    public DeviceLogs logs() {
        return logs;
    }

    public Processing processing() {
        return processing;
    }

    public Rules rules() {
        return rules;
    }

    public Sync sync() {
        return sync;
    }

    /** What a node decides; everything else comes from {@link Config}'s keys, or from a settings object set here. */
    public static final class Builder {
        private final StorePorts ports;
        private final Lifecycles parts;
        private Config config = Config.defaults();
        private MeterRegistry meters = new SimpleMeterRegistry();
        private Threads threads = Threads.named("edgeward");
        private Clock clock = Clock.systemUTC();
        private Duration lastSeenFlush = Duration.ofSeconds(5);
        private Duration censusPeriod = Duration.ofSeconds(15);
        private ShadowSettings shadowSettings;
        private PipelineSettings pipelineSettings;
        private TelemetryLimits telemetryLimits;
        private CommandSettings commandSettings;
        private RetentionSettings retentionSettings;
        private ProcessingSettings processingSettings;
        private RuleSettings ruleSettings;
        private SyncSettings syncSettings;
        private LogSettings logSettings;
        private Uplink uplink;
        private WebhookClient webhooks = (url, headers, body, timeout) -> {
            throw new java.io.IOException("this node sends no webhooks");
        };

        private Builder(StorePorts ports, Lifecycles parts) {
            this.ports = Objects.requireNonNull(ports, "ports");
            this.parts = Objects.requireNonNull(parts, "parts");
        }

        public Builder config(Config config) {
            this.config = Objects.requireNonNull(config);
            return this;
        }

        public Builder meters(MeterRegistry meters) {
            this.meters = Objects.requireNonNull(meters);
            return this;
        }

        public Builder threads(Threads threads) {
            this.threads = Objects.requireNonNull(threads);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** How often status changes and last-seen times are written (5 s). */
        public Builder lastSeenFlush(Duration interval) {
            this.lastSeenFlush = Objects.requireNonNull(interval);
            return this;
        }

        public Builder shadowSettings(ShadowSettings settings) {
            this.shadowSettings = settings;
            return this;
        }

        public Builder pipelineSettings(PipelineSettings settings) {
            this.pipelineSettings = settings;
            return this;
        }

        public Builder telemetryLimits(TelemetryLimits limits) {
            this.telemetryLimits = limits;
            return this;
        }

        public Builder commandSettings(CommandSettings settings) {
            this.commandSettings = settings;
            return this;
        }

        public Builder retentionSettings(RetentionSettings settings) {
            this.retentionSettings = Objects.requireNonNull(settings);
            return this;
        }

        public Builder processingSettings(ProcessingSettings settings) {
            this.processingSettings = Objects.requireNonNull(settings);
            return this;
        }

        /** The rules the node's files define (by default the configuration's {@code rules:} alone). */
        public Builder ruleSettings(RuleSettings settings) {
            this.ruleSettings = Objects.requireNonNull(settings);
            return this;
        }

        public Builder logSettings(LogSettings settings) {
            this.logSettings = Objects.requireNonNull(settings);
            return this;
        }

        public Builder syncSettings(SyncSettings settings) {
            this.syncSettings = Objects.requireNonNull(settings);
            return this;
        }

        /** Where an edge forwards (the root builds it from sync.uplink.url); needed when sync.role is edge. */
        public Builder uplink(Uplink uplink) {
            this.uplink = Objects.requireNonNull(uplink);
            return this;
        }

        /** How rules' webhook actions are sent (the server gives its HTTP client). */
        public Builder webhooks(WebhookClient client) {
            this.webhooks = Objects.requireNonNull(client);
            return this;
        }

        /** Builds the domain and starts its parts into the lifecycles given to {@link Platform#builder}. */
        public Platform start() {
            return new Platform(this).start();
        }
    }
}
