package io.edgeward.mqtt;

import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.device.Registration;
import io.edgeward.core.shadow.ShadowReporter;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowSettings;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.CommittedTelemetry;
import io.edgeward.core.telemetry.TelemetryDecoder;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A real store, pipeline and broker on a free loopback port, as the server wires them. */
final class BrokerFixture implements AutoCloseable {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final SqlStore store;
    final DeviceRegistry registry;
    final TelemetryPipeline pipeline;
    final CommittedTelemetry committed;
    final EmbeddedBroker broker;
    final Presence presence;
    final ShadowService shadows;
    final ShadowReporter reporter;
    final CommandService commands;

    BrokerFixture(Path dir, boolean allowAnonymous, List<MqttUser> users) {
        this(dir, allowAnonymous, users, ShadowSettings.defaults());
    }

    BrokerFixture(Path dir, boolean allowAnonymous, List<MqttUser> users, ShadowSettings shadowSettings) {
        this(dir, allowAnonymous, users, shadowSettings, PipelineSettings.DEFAULTS);
    }

    BrokerFixture(Path dir, PipelineSettings pipelineSettings) {
        this(dir, false, List.of(), ShadowSettings.defaults(), pipelineSettings);
    }

    private BrokerFixture(Path dir, boolean allowAnonymous, List<MqttUser> users, ShadowSettings shadowSettings,
            PipelineSettings pipelineSettings) {
        store = SqlStore.open(StoreSettings.embedded(dir));
        presence = new Presence(store.devices(), Duration.ofMillis(200));
        AtomicReference<EmbeddedBroker> running = new AtomicReference<>();
        registry = new DeviceRegistry(store.devices(), presence, (id, forget) -> running.get().disconnect(id, forget), Clock.systemUTC());
        shadows = new ShadowService(store.shadows(), store.devices(), shadowSettings, Clock.systemUTC(), meters);
        shadows.start();
        reporter = new ShadowReporter(shadows);
        commands = new CommandService(store.commands(), store.devices(), presence, Duration.ofHours(1), Clock.systemUTC(), meters);
        committed = CommittedTelemetry.withDefaults(meters);
        pipeline = new TelemetryPipeline(store.telemetry(),
                new TelemetryDecoder(new TelemetryLimits(4096, 100, Duration.ofHours(1), 256)), pipelineSettings, meters,
                committed);
        committed.register("shadow-reporter", reporter);
        pipeline.start();
        reporter.start();
        broker = new EmbeddedBroker(new BrokerSettings("127.0.0.1", 0, 1024 * 1024, 10, allowAnonymous, users,
                Duration.ofSeconds(30), dir.resolve("broker")), registry, pipeline, presence, shadows, commands, meters);
        running.set(broker);
        commands.addTransport(broker.commandTransport());
        shadows.addListener(broker.shadowListener());
        broker.start();
        commands.start(Duration.ofMillis(100));
    }

    Registration register(String id) {
        return registry.register(NewDevice.of(DeviceId.of(id), DeviceType.SENSOR));
    }

    List<Point> points(String device, String metric) {
        return store.telemetry().raw(DeviceId.of(device), metric, new TimeRange(0, Long.MAX_VALUE), 100_000);
    }

    double counter(String name, String... tags) {
        var counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        commands.close();
        broker.stop();
        presence.close();
        pipeline.stop();
        committed.close();
        reporter.close();
        shadows.close();
        store.close();
    }
}
