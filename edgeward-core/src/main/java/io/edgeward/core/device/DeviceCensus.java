package io.edgeward.core.device;

import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's {@code iot_device_total{status,type}}: devices by status and type, counted in the
 * background so that a Prometheus scrape never queries the database. Every combination is a
 * series from the start, at 0 when empty.
 *
 * <p>It is exported as {@code iot_device}: OpenMetrics reserves the {@code _total} suffix for
 * counters, and the Prometheus client strips it from a gauge's name.
 */
public final class DeviceCensus implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceCensus.class);

    private final DeviceRepository repository;
    private final AtomicReference<Map<DeviceStatus, Map<DeviceType, Long>>> counts = new AtomicReference<>(Map.of());
    private final Duration period;
    private final ThreadFactory threads;
    private ScheduledExecutorService refresher;

    public DeviceCensus(DeviceRepository repository, MeterRegistry meters, Duration period, Threads threads) {
        this.repository = repository;
        this.period = period;
        this.threads = threads.platform("census");
        for (DeviceStatus status : DeviceStatus.values()) {
            for (DeviceType type : DeviceType.values()) {
                Gauge.builder("iot.device", this, census -> census.count(status, type))
                        .description("Registered devices by status and type")
                        .tag("status", status.wireName())
                        .tag("type", type.wireName())
                        .register(meters);
            }
        }
    }

    @Override
    public synchronized void start() {
        if (refresher == null) {
            refresh();
            refresher = Executors.newSingleThreadScheduledExecutor(threads);
            refresher.scheduleWithFixedDelay(
                    this::refresh, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Counts again now. */
    public void refresh() {
        try {
            counts.set(repository.countByStatusAndType());
        } catch (RuntimeException e) {
            LOG.debug("Device census skipped: {}", e.getMessage());
        }
    }

    public long count(DeviceStatus status, DeviceType type) {
        return counts.get()
                .getOrDefault(status, new EnumMap<>(DeviceType.class))
                .getOrDefault(type, 0L);
    }

    @Override
    public synchronized void close() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
    }
}
