package io.edgeward.core.sync;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.observability.RateLimitedLog;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: what is not telemetry, queued on the high stream as it happens (each in a
 * transaction of its own, after the change it reports): device registrations, changes and
 * deletions, as the registry has them then.
 */
public final class EdgeEvents {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeEvents.class);

    private final Outbox outbox;
    private final DeviceRepository devices;
    private final Runnable wake;
    private final Clock clock;
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();

    /** @param wake tells the sender something is waiting on the high stream */
    public EdgeEvents(Outbox outbox, DeviceRepository devices, Runnable wake, Clock clock) {
        this.outbox = outbox;
        this.devices = devices;
        this.wake = wake;
        this.clock = clock;
    }

    /** The registry's change listener: registered, changed or deleted. */
    public void deviceChanged(DeviceId device) {
        long now = clock.millis();
        try {
            var record = devices.find(device)
                    .map(found -> SyncEvents.device(found, now))
                    .orElseGet(() -> SyncEvents.deleted(device, now));
            outbox.append(List.of(SyncCodec.segment(Priority.HIGH, List.of(record))));
            wake.run();
        } catch (RuntimeException e) {
            if (failureLog.allow("device")) {
                LOG.error("Could not queue the change of device '{}' for the cloud", device, e);
            }
        }
    }
}
