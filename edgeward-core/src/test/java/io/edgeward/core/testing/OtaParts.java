package io.edgeward.core.testing;

import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.platform.StorePorts;
import io.edgeward.core.shadow.ShadowService;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/**
 * The firmware repository and the rollouts over a store, as the root builds them, for the
 * transports' tests: started in {@code parts}; the caller adds its channels (they may be added
 * after start) and closes {@code parts}.
 */
public record OtaParts(Firmwares firmwares, Rollouts rollouts) {

    public static OtaParts start(
            StorePorts ports,
            FirmwareSettings settings,
            DeviceRegistry registry,
            ShadowService shadows,
            Clock clock,
            MeterRegistry meters,
            Threads threads,
            Lifecycles parts) {
        Firmwares firmwares = parts.start(
                "firmware", new Firmwares(ports.firmware(), ports.rollouts()::firmwareInUse, settings, clock, meters));
        Rollouts rollouts =
                new Rollouts(ports.rollouts(), firmwares, registry, shadows, settings, clock, meters, threads);
        return new OtaParts(firmwares, rollouts);
    }
}
