package io.edgeward.coap;

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
 * A {@link NodeExtension} that runs a real SQLite store and the CoAP server on free loopback ports in a
 * temporary directory, with the node's domain built by the application's own {@link Platform}
 * builder. On a static field it serves the whole class, on an instance field each test;
 * {@link #restart()} stops the node and starts it again on the same data.
 */
final class CoapFixture extends NodeExtension {

    static final int MAX_PAYLOAD = 16 * 1024;

    private boolean plainTokenAuth = true;

    SimpleMeterRegistry meters;
    Lifecycles parts;
    SqlStore store;
    DeviceRegistry registry;
    TelemetryPipeline pipeline;
    Presence presence;
    ShadowService shadows;
    CommandService commands;
    EmbeddedCoapServer coap;
    Firmwares firmwares;
    Rollouts rollouts;

    private CoapFixture() {}

    /** Plain CoAP with tokens in the path on; {@link #plainTokenAuth(boolean)} turns it off. */
    static CoapFixture create() {
        return new CoapFixture();
    }

    CoapFixture plainTokenAuth(boolean on) {
        this.plainTokenAuth = on;
        return this;
    }

    @Override
    protected void start() {
        meters = new SimpleMeterRegistry();
        parts = new Lifecycles(Platform.STOP_BOUND);
        store = parts.start("store", SqlStore.open(StoreSettings.embedded(dir), threads));
        Platform platform = platform(store.ports(), parts, meters)
                .telemetryLimits(new TelemetryLimits(MAX_PAYLOAD, 1000, Duration.ofHours(1), 256))
                .start();
        registry = platform.registry();
        presence = platform.presence();
        shadows = platform.shadows();
        commands = platform.commands();
        pipeline = platform.pipeline();
        CoapCommandChannel channel = new CoapCommandChannel();
        commands.addTransport(channel);
        OtaParts ota = OtaParts.start(
                store.ports(),
                new FirmwareSettings(dir.resolve("firmware"), 16 << 20, Duration.ofMinutes(30)),
                registry,
                shadows,
                Clock.systemUTC(),
                meters,
                threads,
                parts);
        firmwares = ota.firmwares();
        rollouts = parts.start("rollouts", ota.rollouts());
        coap = new EmbeddedCoapServer(
                new CoapSettings("127.0.0.1", 0, 0, plainTokenAuth, MAX_PAYLOAD, Duration.ofMinutes(2)),
                registry,
                pipeline,
                presence,
                shadows,
                commands,
                platform.queries(),
                channel,
                rollouts,
                meters,
                threads);
        platform.committed().register("coap-observe", coap.committedListener());
        shadows.addListener(coap.shadowListener());
        platform.addSessions(coap);
        parts.start("coap", coap);
        platform.startCommands();
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

    String plainUri(String token, String path) {
        return "coap://127.0.0.1:" + coap.port() + "/api/v1/" + token + path;
    }
}
