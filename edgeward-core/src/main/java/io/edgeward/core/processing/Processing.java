package io.edgeward.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.retention.RawPeriodOverride;
import io.edgeward.core.telemetry.BatchProcessor;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.StreamRecord;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TimeRange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processing stage as the node runs it: the configuration in force (versioned in the store,
 * changed through the REST API without a restart), the {@link Processor} the telemetry pipeline
 * runs in each group commit, and the reduced stream's consumers, who read it from a stored cursor
 * (at-least-once: a record is read again until its consumer acknowledges it) and may seek back to
 * any time the stream still holds. The stream is kept {@code processing.stream.retention}; a
 * consumer left behind that is told which positions it missed, and ingest never waits for one.
 */
public final class Processing implements Lifecycle {

    /** Who a version loaded from the configuration file is attributed to. */
    public static final String CONFIG_AUTHOR = "config";

    private static final Logger LOG = LoggerFactory.getLogger(Processing.class);
    private static final int EXPIRY_BATCH = 2_000;
    private static final Duration EXPIRY_PERIOD = Duration.ofMinutes(1);

    private final ProcessingConfigRepository versions;
    private final ProcessedStream stream;
    private final DeviceRepository devices;
    private final ProcessingSettings settings;
    private final Clock clock;
    private final Threads threads;
    private final Processor processor;
    private final Counter expired;
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    private final Object changing = new Object();
    private volatile Current current = new Current(ProcessingConfig.EMPTY, null);
    private ScheduledExecutorService expiry;

    /** The configuration in force and the stored version it came from (null before any is stored). */
    public record Current(ProcessingConfig config, ProcessingVersion stored) {

        /** The version in force; 0 before any is stored. */
        public long version() {
            return stored == null ? 0 : stored.version();
        }
    }

    /** What a consumer reads: records after its cursor, and the positions it missed because they expired. */
    public record Batch(String consumer, long cursor, List<StreamRecord> records, Gap gap) {}

    /** Positions after {@code after} and before {@code before} expired before the consumer read them. */
    public record Gap(long after, long before) {}

    public Processing(
            ProcessingConfigRepository versions,
            ProcessedStream stream,
            TelemetryReader telemetry,
            DeviceRepository devices,
            ProcessingSettings settings,
            Clock clock,
            MeterRegistry meters,
            Threads threads) {
        this.versions = versions;
        this.stream = stream;
        this.devices = devices;
        this.settings = settings;
        this.clock = clock;
        this.threads = threads;
        this.processor = new Processor(new StoreHistory(stream, telemetry, devices), new ProcessingMetrics(meters));
        this.expired = Counter.builder("edgeward.processing.stream.expired")
                .description("Records of the reduced stream deleted past processing.stream.retention")
                .register(meters);
        Gauge.builder("edgeward.processing.stream.position", stream, ProcessedStream::newestSeq)
                .description("The newest position of the reduced stream")
                .register(meters);
    }

    /**
     * Loads the configuration: the newest stored version, unless there is none or the configuration
     * file's is newer than the file's last stored one (an operator edited the file), then the file's,
     * stored as a new version. A version from the API wins over an unchanged file, with a warning.
     */
    @Override
    public void start() {
        synchronized (changing) {
            String fromFile = ProcessingDocuments.toJson(settings.config());
            Optional<ProcessingVersion> latest = versions.latest();
            Optional<ProcessingVersion> lastFromFile = versions.latestBy(CONFIG_AUTHOR);
            boolean fileChanged = lastFromFile
                    .map(v -> !v.document().equals(fromFile))
                    .orElse(!settings.config().isEmpty());
            if (latest.isEmpty() || fileChanged) {
                if (latest.isEmpty() && settings.config().isEmpty()) {
                    install(new Current(ProcessingConfig.EMPTY, null));
                } else {
                    store(
                            settings.config(),
                            fromFile,
                            latest.map(ProcessingVersion::version).orElse(0L),
                            CONFIG_AUTHOR);
                }
            } else {
                ProcessingVersion stored = latest.get();
                if (!stored.document().equals(fromFile) && !stored.author().equals(CONFIG_AUTHOR)) {
                    LOG.warn(
                            "Processing: version {} (by {} at {}) from the API is in force; the configuration file's"
                                    + " processing.filters and processing.windows, unchanged since, are not",
                            stored.version(),
                            stored.author(),
                            stored.createdAt());
                }
                install(new Current(ProcessingDocuments.parse(stored.document()), stored));
            }
        }
        expiry = Executors.newSingleThreadScheduledExecutor(threads.platform("stream-expiry"));
        expiry.scheduleWithFixedDelay(
                this::expireInBackground, EXPIRY_PERIOD.toMillis(), EXPIRY_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (expiry != null) {
            expiry.shutdownNow();
            try {
                expiry.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What the telemetry pipeline runs in each group commit. */
    public BatchProcessor processor() {
        return processor;
    }

    public Current current() {
        return current;
    }

    public List<ProcessingVersion> history(int limit) {
        return versions.history(limit);
    }

    /**
     * Validates and stores a new configuration and puts it in force: the next group commit uses it.
     *
     * @param expectedVersion the version the change was made to, or -1 to replace whatever is in force
     * @throws ProcessingDocuments.InvalidProcessingException with every problem of the document
     * @throws VersionConflictException when {@code expectedVersion} is not the version in force
     */
    public Current update(JsonNode document, long expectedVersion, String author) {
        ProcessingConfig config = ProcessingDocuments.parse(document);
        synchronized (changing) {
            long inForce = current.version();
            if (expectedVersion >= 0 && expectedVersion != inForce) {
                throw new VersionConflictException(expectedVersion, inForce);
            }
            return store(config, ProcessingDocuments.toJson(config), inForce, author);
        }
    }

    /**
     * Puts a configuration in force as {@code author} unless it is the one in force already (a
     * document pushed again makes no new version).
     *
     * @return true when it changed
     * @throws ProcessingDocuments.InvalidProcessingException with every problem of the document
     */
    public boolean updateIfChanged(JsonNode document, String author) {
        ProcessingConfig config = ProcessingDocuments.parse(document);
        String rendered = ProcessingDocuments.toJson(config);
        synchronized (changing) {
            ProcessingVersion stored = current.stored();
            if (stored != null && stored.document().equals(rendered)) {
                return false;
            }
            store(config, rendered, current.version(), author);
            return true;
        }
    }

    private Current store(ProcessingConfig config, String document, long after, String author) {
        ProcessingVersion version = new ProcessingVersion(after + 1, document, author, clock.instant());
        if (!versions.append(version)) {
            // Another node sharing the store changed it first.
            long newest = versions.latest().map(ProcessingVersion::version).orElse(0L);
            throw new VersionConflictException(after, newest);
        }
        LOG.info(
                "Processing: version {} by {}: {} filter(s), {} window(s)",
                version.version(),
                author,
                config.filters().size(),
                config.windows().size());
        return install(new Current(config, version));
    }

    private Current install(Current next) {
        current = next;
        processor.configure(next.config());
        return next;
    }

    /** Called by the registry when a device's record changed or it was deleted. */
    public void deviceChanged(DeviceId device) {
        processor.deviceChanged(device);
    }

    /**
     * The raw period of series a {@code keep-raw: false} filter matches: the transient period, or
     * the longest matching window plus its lateness when that is longer.
     */
    public RawPeriodOverride rawPeriods() {
        return (owner, metric) -> {
            ProcessingConfig config = current.config();
            boolean transientRaw = config.filters().stream()
                    .anyMatch(f -> !f.keepRaw() && f.match().matches(owner, metric));
            if (!transientRaw) {
                return Optional.empty();
            }
            Duration period = settings.transientRaw();
            for (WindowSpec window : config.windows()) {
                if (window.match().matches(owner, metric)) {
                    Duration needed = window.size().plus(window.lateness());
                    period = needed.compareTo(period) > 0 ? needed : period;
                }
            }
            return Optional.of(period);
        };
    }

    /** Records after {@code after}, for a look at the stream (no cursor moves). */
    public List<StreamRecord> records(long after, DeviceId device, int limit) {
        return stream.read(after, device, limit);
    }

    /** The records after the consumer's cursor (a new consumer starts at the stream's oldest record). */
    public Batch read(String consumer, int limit) {
        OptionalLong stored = stream.cursor(consumer);
        long cursor = stored.orElse(0);
        OptionalLong oldest = stream.oldestSeq();
        // A new consumer starts at the oldest record: it missed nothing.
        Gap gap = stored.isPresent() && oldest.isPresent() && oldest.getAsLong() > cursor + 1
                ? new Gap(cursor, oldest.getAsLong())
                : null;
        return new Batch(consumer, cursor, stream.read(cursor, null, limit), gap);
    }

    /** Moves the consumer's cursor: everything up to {@code seq} is handled. Never moves it back (use {@link #seek}). */
    public long acknowledge(String consumer, long seq) {
        long cursor = stream.cursor(consumer).orElse(0);
        long newest = stream.newestSeq();
        if (seq > newest) {
            throw new IllegalArgumentException("position " + seq + " is beyond the stream's newest, " + newest);
        }
        if (seq > cursor) {
            stream.saveCursor(consumer, seq);
            return seq;
        }
        return cursor;
    }

    /** Moves the consumer's cursor to just before the first record stored at or after {@code time}: a replay. */
    public long seek(String consumer, Instant time) {
        long seq = stream.seqBefore(time.toEpochMilli());
        stream.saveCursor(consumer, seq);
        return seq;
    }

    public Map<String, Long> consumers() {
        return stream.cursors();
    }

    /** Deletes records older than the stream's retention, in bounded batches. */
    public long expire() {
        long before = clock.millis() - settings.streamRetention().toMillis();
        long total = 0;
        int n;
        while ((n = stream.expire(before, EXPIRY_BATCH)) > 0) {
            total += n;
            expired.increment(n);
        }
        return total;
    }

    private void expireInBackground() {
        try {
            expire();
        } catch (RuntimeException e) {
            if (failureLog.allow("expire")) {
                LOG.warn(
                        "Expiring the reduced stream failed; will retry (not logged again for a minute): {}",
                        e.getMessage());
            }
        }
    }

    private void advanceHeadsInBackground() {
        try {
            stream.advanceHeads();
        } catch (RuntimeException e) {
            if (failureLog.allow("heads")) {
                LOG.warn(
                        "Indexing the reduced stream failed; will retry (not logged again for a minute): {}",
                        e.getMessage());
            }
        }
    }

    /** The store's view for rebuilding state. */
    private record StoreHistory(ProcessedStream stream, TelemetryReader telemetry, DeviceRepository devices)
            implements History {

        @Override
        public Optional<Device> device(DeviceId id) {
            return devices.find(id);
        }

        @Override
        public Optional<StreamRecord> last(String source, DeviceId device, String metric) {
            return stream.last(source, device, metric);
        }

        @Override
        public Map<String, Point> latest(DeviceId device) {
            Map<String, Point> latest = new HashMap<>();
            telemetry.latest(device).forEach(point -> latest.put(point.metric(), point));
            return latest;
        }

        @Override
        public List<Point> raw(DeviceId device, String metric, long from, long to, int limit) {
            return telemetry.raw(device, metric, new TimeRange(from, to), limit);
        }
    }

    /** The version a change was made to is no longer the version in force. */
    public static final class VersionConflictException extends RuntimeException {
        private final long inForce;

        VersionConflictException(long expected, long inForce) {
            super("the processing configuration is at version " + inForce + ", not " + expected
                    + "; read it again and apply the change to that version");
            this.inForce = inForce;
        }

        public long inForce() {
            return inForce;
        }
    }
}
