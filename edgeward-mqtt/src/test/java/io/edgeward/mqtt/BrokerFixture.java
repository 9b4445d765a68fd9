package io.edgeward.mqtt;

import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.device.Registration;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowSettings;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.testing.NodeExtension;
import io.edgeward.core.testing.OtaParts;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * A {@link NodeExtension} that runs a real store and broker on a free loopback port in a temporary
 * directory, with the node's domain built by the application's own {@link Platform} builder and
 * small limits so that tests reach them cheaply. On a static field it serves the whole class, on an
 * instance field each test:
 *
 * <pre>{@code @RegisterExtension static final BrokerFixture fx = BrokerFixture.create().allowAnonymous();}</pre>
 */
final class BrokerFixture extends NodeExtension {

    private boolean allowAnonymous;
    private List<MqttUser> users = List.of();
    private ShadowSettings shadowSettings = ShadowSettings.defaults();
    private PipelineSettings pipelineSettings = PipelineSettings.DEFAULTS;

    SimpleMeterRegistry meters;
    Lifecycles parts;
    SqlStore store;
    DeviceRegistry registry;
    TelemetryPipeline pipeline;
    EmbeddedBroker broker;
    Presence presence;
    ShadowService shadows;
    CommandService commands;
    Firmwares firmwares;
    Rollouts rollouts;

    private BrokerFixture() {}

    static BrokerFixture create() {
        return new BrokerFixture();
    }

    /** Clients without credentials may connect (they still cannot publish into sensor/# or device/#). */
    BrokerFixture allowAnonymous() {
        this.allowAnonymous = true;
        return this;
    }

    BrokerFixture users(MqttUser... users) {
        this.users = List.of(users);
        return this;
    }

    BrokerFixture shadowSettings(ShadowSettings settings) {
        this.shadowSettings = settings;
        return this;
    }

    BrokerFixture pipelineSettings(PipelineSettings settings) {
        this.pipelineSettings = settings;
        return this;
    }

    @Override
    protected void start() {
        meters = new SimpleMeterRegistry();
        parts = new Lifecycles(Platform.STOP_BOUND);
        store = parts.start("store", SqlStore.open(StoreSettings.embedded(dir), threads));
        Platform platform = platform(store.ports(), parts, meters)
                .shadowSettings(shadowSettings)
                .pipelineSettings(pipelineSettings)
                .telemetryLimits(new TelemetryLimits(4096, 100, Duration.ofHours(1), 256))
                .start();
        registry = platform.registry();
        presence = platform.presence();
        shadows = platform.shadows();
        commands = platform.commands();
        pipeline = platform.pipeline();
        FirmwareSettings firmwareSettings =
                new FirmwareSettings(dir.resolve("firmware"), 1 << 20, Duration.ofMinutes(30), "http://127.0.0.1:1");
        OtaParts ota = OtaParts.start(
                store.ports(), firmwareSettings, registry, shadows, Clock.systemUTC(), meters, threads, parts);
        firmwares = ota.firmwares();
        rollouts = ota.rollouts();
        broker = new EmbeddedBroker(
                new BrokerSettings(
                        "127.0.0.1",
                        0,
                        1024 * 1024,
                        10,
                        allowAnonymous,
                        users,
                        Duration.ofSeconds(30),
                        dir.resolve("broker")),
                registry,
                pipeline,
                presence,
                shadows,
                commands,
                rollouts,
                meters,
                threads);
        commands.addTransport(broker.commandTransport());
        shadows.addListener(broker.shadowListener());
        platform.addSessions(broker);
        parts.start("mqtt", broker);
        platform.startCommands();
        rollouts.addChannel(broker.otaChannel(firmwareSettings::publicUrl));
        parts.start("rollouts", rollouts);
    }

    @Override
    protected void stop() {
        parts.closeAll();
    }

    Registration register(String id) {
        return registry.register(NewDevice.of(DeviceId.of(id), DeviceType.SENSOR));
    }

    List<Point> points(String device, String metric) {
        return store.telemetryReader().raw(DeviceId.of(device), metric, new TimeRange(0, Long.MAX_VALUE), 100_000);
    }

    double counter(String name, String... tags) {
        var counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }
}
