package io.edgeward.coap;

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
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A real SQLite store, pipeline, shadow and command services and the CoAP server on free loopback ports, wired as the server wires them. */
final class CoapFixture implements AutoCloseable {

    static final int MAX_PAYLOAD = 16 * 1024;

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final SqlStore store;
    final DeviceRegistry registry;
    final TelemetryPipeline pipeline;
    final CommittedTelemetry committed;
    final Presence presence;
    final ShadowService shadows;
    final ShadowReporter reporter;
    final CommandService commands;
    final EmbeddedCoapServer coap;

    CoapFixture(Path dir, boolean plainTokenAuth) {
        store = SqlStore.open(StoreSettings.embedded(dir));
        presence = new Presence(store.devices(), Duration.ofMillis(200));
        presence.reset();
        AtomicReference<EmbeddedCoapServer> running = new AtomicReference<>();
        registry = new DeviceRegistry(store.devices(), presence, (id, forget) -> running.get().disconnect(id, forget), Clock.systemUTC());
        shadows = new ShadowService(store.shadows(), store.devices(), ShadowSettings.defaults(), Clock.systemUTC(), meters);
        shadows.start();
        reporter = new ShadowReporter(shadows);
        CoapCommandChannel channel = new CoapCommandChannel();
        commands = new CommandService(store.commands(), store.devices(), presence, Duration.ofHours(1), Clock.systemUTC(), meters);
        commands.addTransport(channel);
        committed = CommittedTelemetry.withDefaults(meters);
        pipeline = new TelemetryPipeline(store.telemetry(),
                new TelemetryDecoder(new TelemetryLimits(MAX_PAYLOAD, 1000, Duration.ofHours(1), 256)), PipelineSettings.DEFAULTS, meters,
                committed);
        committed.register("shadow-reporter", reporter);
        coap = new EmbeddedCoapServer(new CoapSettings("127.0.0.1", 0, 0, plainTokenAuth, MAX_PAYLOAD, Duration.ofMinutes(2)), registry,
                pipeline, presence, shadows, commands, new TelemetryQueries(store.telemetry()), channel, meters);
        committed.register("coap-observe", coap.committedListener());
        running.set(coap);
        shadows.addListener(coap.shadowListener());
        pipeline.start();
        reporter.start();
        coap.start();
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

    String plainUri(String token, String path) {
        return "coap://127.0.0.1:" + coap.port() + "/api/v1/" + token + path;
    }

    @Override
    public void close() {
        commands.close();
        coap.close();
        presence.close();
        pipeline.stop();
        committed.close();
        reporter.close();
        shadows.close();
        store.close();
    }
}
