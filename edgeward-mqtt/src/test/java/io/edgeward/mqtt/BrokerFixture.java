package io.edgeward.mqtt;

import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.device.Registration;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowSettings;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real store and broker on a free loopback port, with the node's domain built by the
 * application's own {@link Platform} builder; small limits so that tests reach them cheaply.
 */
final class BrokerFixture implements AutoCloseable {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Lifecycles parts = new Lifecycles(Platform.STOP_BOUND);
    final SqlStore store;
    final DeviceRegistry registry;
    final TelemetryPipeline pipeline;
    final EmbeddedBroker broker;
    final Presence presence;
    final ShadowService shadows;
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
        Threads threads = Threads.named("test");
        store = parts.start("store", SqlStore.open(StoreSettings.embedded(dir), threads));
        Platform platform = Platform.builder(store.ports(), parts)
                .meters(meters)
                .threads(threads)
                .lastSeenFlush(Duration.ofMillis(200))
                .shadowSettings(shadowSettings)
                .pipelineSettings(pipelineSettings)
                .telemetryLimits(new TelemetryLimits(4096, 100, Duration.ofHours(1), 256))
                .start();
        registry = platform.registry();
        presence = platform.presence();
        shadows = platform.shadows();
        commands = platform.commands();
        pipeline = platform.pipeline();
        broker = new EmbeddedBroker(new BrokerSettings("127.0.0.1", 0, 1024 * 1024, 10, allowAnonymous, users,
                Duration.ofSeconds(30), dir.resolve("broker")), registry, pipeline, presence, shadows, commands, meters, threads);
        commands.addTransport(broker.commandTransport());
        shadows.addListener(broker.shadowListener());
        platform.addSessions(broker);
        parts.start("mqtt", broker);
        platform.startCommands();
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

    @Override
    public void close() {
        parts.closeAll();
    }
}
