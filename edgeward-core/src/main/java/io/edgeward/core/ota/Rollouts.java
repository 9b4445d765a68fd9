package io.edgeward.core.ota;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DevicePatch;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rollouts of firmware releases to groups of devices, wave by wave, and each device's job.
 *
 * <p>Every state is in the store and moved there before anything is sent: a node killed at any
 * moment starts again where the store says (a wave half offered is offered again, and a device told
 * twice reports on the same job id). State changes are serialized by one lock: they are few (a
 * handful per device and update) next to telemetry, and the thresholds need a consistent count.
 *
 * <p>A clock (every second) fails jobs whose device stayed silent past its timeout, starts waves a
 * maintenance window held back, and adds devices that joined a dynamic rollout's group.
 */
public final class Rollouts implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
    private static final int PAGE = 1000;
    private static final Duration DYNAMIC_PERIOD = Duration.ofSeconds(30);

    private final RolloutRepository repository;
    private final Firmwares firmwares;
    private final DeviceRegistry registry;
    private final ShadowService shadows;
    private final Duration defaultTimeout;
    private final Clock clock;
    private final Threads threads;
    private final List<OtaChannel> channels = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final SecureRandom random = new SecureRandom();
    private final RateLimitedLog failureLog = RateLimitedLog.perMinute();
    private final MeterRegistry meters;
    private final Timer duration;
    private final Map<OtaRefusedException.Reason, Counter> refused = new EnumMap<>(OtaRefusedException.Reason.class);
    private ScheduledExecutorService ticker;
    /** When dynamic rollouts next look for devices that joined their group; a changed device brings it forward. */
    private volatile Instant nextDynamicPass = Instant.MIN;

    public Rollouts(
            RolloutRepository repository,
            Firmwares firmwares,
            DeviceRegistry registry,
            ShadowService shadows,
            FirmwareSettings settings,
            Clock clock,
            MeterRegistry meters,
            Threads threads) {
        this.repository = repository;
        this.firmwares = firmwares;
        this.registry = registry;
        this.shadows = shadows;
        this.defaultTimeout = settings.deviceTimeout();
        this.clock = clock;
        this.threads = threads;
        this.meters = meters;
        this.duration = Timer.builder("iot.ota.upgrade.duration")
                .description("From a job's offer to its device's report that it completed")
                .serviceLevelObjectives(exponential(Duration.ofSeconds(10), 10))
                .register(meters);
        for (JobStatus status : JobStatus.values()) {
            if (status.terminal()) {
                upgrades(status); // every outcome shows from the start, at 0
            }
        }
        for (OtaRefusedException.Reason reason : OtaRefusedException.Reason.values()) {
            refused.put(
                    reason,
                    Counter.builder("edgeward.ota.refused")
                            .description("Device OTA requests refused: another device's job, an unknown or ended one")
                            .tag("reason", reason.wireName())
                            .register(meters));
        }
        registry.addChangeListener(device -> nextDynamicPass = Instant.MIN);
    }

    /** The seed's buckets: 10 s doubling to 2.8 h. */
    private static Duration[] exponential(Duration first, int count) {
        Duration[] buckets = new Duration[count];
        for (int i = 0; i < count; i++) {
            buckets[i] = first.multipliedBy(1L << i);
        }
        return buckets;
    }

    private Counter upgrades(JobStatus status) {
        return Counter.builder("iot.ota.upgrade")
                .description("Device jobs that ended, by outcome")
                .tag("status", status.wireName())
                .register(meters);
    }

    /** Adds a way to tell devices of their jobs (MQTT); the root adds them before start. */
    public void addChannel(OtaChannel channel) {
        channels.add(channel);
    }

    /**
     * Told of every job a device's report, a timeout or a cancel moved (under the rollouts' lock:
     * keep it short); an edge reports the jobs it runs for the cloud this way.
     */
    public void addJobListener(Consumer<DeviceJob> listener) {
        jobListeners.add(listener);
    }

    private final List<Consumer<DeviceJob>> jobListeners = new CopyOnWriteArrayList<>();

    private void moved(DeviceJob job) {
        for (Consumer<DeviceJob> listener : jobListeners) {
            try {
                listener.accept(job);
            } catch (RuntimeException e) {
                if (failureLog.allow("listener")) {
                    LOG.warn("A job listener failed on {}: {}", job.id(), e.toString());
                }
            }
        }
    }

    @Override
    public synchronized void start() {
        if (ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(threads.platform("ota-clock"));
            ticker.execute(this::offerAgain);
            ticker.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ticker = null;
        }
    }

    /** A rollout as made, and the devices of its group that got no job, each with why. */
    public record Created(Rollout rollout, List<Skipped> skipped) {}

    public record Skipped(String device, String reason) {}

    /**
     * Makes the rollout and its jobs, and starts its first wave (when its maintenance window is
     * open). Devices of the group that cannot take the release are left out, each with the reason.
     *
     * @throws FirmwareNotFoundException when there is no such release
     * @throws IllegalArgumentException when no device of the group can take it
     */
    public Created create(NewRollout request, String createdBy) {
        Firmware firmware = firmwares.get(request.firmwareId());
        Instant now = now();
        List<Skipped> skipped = new ArrayList<>();
        lock.lock();
        try {
            List<Device> devices = eligible(request.target(), firmware, skipped, Set.of());
            if (devices.isEmpty()) {
                throw new IllegalArgumentException("no device of the target group can take " + firmware.model() + " "
                        + firmware.version()
                        + (skipped.isEmpty()
                                ? ""
                                : " (" + skipped.size() + " left out: "
                                        + skipped.get(0).device() + ": "
                                        + skipped.get(0).reason() + ")"));
            }
            List<Integer> sizes = request.plan().sizes(devices.size());
            Rollout rollout = new Rollout(
                    "ro-" + randomHex(),
                    request.name() == null ? firmware.model() + " " + firmware.version() : request.name(),
                    firmware.id(),
                    request.target(),
                    request.plan(),
                    request.deviceTimeout() == null ? defaultTimeout : request.deviceTimeout(),
                    request.maintenanceWindow(),
                    request.dynamic(),
                    RolloutStatus.RUNNING,
                    0,
                    sizes.size(),
                    null,
                    createdBy,
                    now,
                    now);
            List<DeviceJob> jobs = new ArrayList<>(devices.size());
            int next = 0;
            for (int wave = 1; wave <= sizes.size(); wave++) {
                for (int i = 0; i < sizes.get(wave - 1); i++) {
                    jobs.add(scheduled(rollout, devices.get(next++), wave, now));
                }
            }
            repository.insert(rollout, jobs);
            LOG.info(
                    "Rollout {} of {} {} created by {}: {} device(s) in {} wave(s), {} left out",
                    rollout.id(),
                    firmware.model(),
                    firmware.version(),
                    createdBy,
                    jobs.size(),
                    sizes.size(),
                    skipped.size());
            return new Created(advance(rollout), skipped);
        } finally {
            lock.unlock();
        }
    }

    public Rollout get(String id) {
        return repository.find(id).orElseThrow(() -> new RolloutNotFoundException(id));
    }

    public List<Rollout> list(int limit) {
        return repository.list(limit);
    }

    /** How many jobs are in each state, by wave (1-based). */
    public Map<Integer, Map<JobStatus, Integer>> counts(String id) {
        get(id);
        return repository.counts(id);
    }

    public List<DeviceJob> jobs(String rolloutId, JobStatus status, int limit, DeviceId after) {
        get(rolloutId);
        return repository.jobs(rolloutId, status, limit, after);
    }

    public List<DeviceJob> jobsOf(DeviceId device, int limit) {
        return repository.jobsOf(device, limit);
    }

    public DeviceJob job(String id) {
        return repository
                .job(id)
                .orElseThrow(
                        () -> new OtaRefusedException(OtaRefusedException.Reason.UNKNOWN_JOB, "no job '" + id + "'"));
    }

    /** No new wave starts and nothing new is offered; devices already updating go on. */
    public Rollout pause(String id, String by) {
        return change(id, rollout -> {
            if (rollout.status() != RolloutStatus.RUNNING && rollout.status() != RolloutStatus.WAITING_APPROVAL) {
                throw new RolloutStateException("rollout " + id + " is "
                        + rollout.status().wireName() + "; only a running rollout can be paused");
            }
            return rollout.with(RolloutStatus.PAUSED, rollout.currentWave(), "paused by " + by, now());
        });
    }

    /** A paused or stopped rollout runs again (a stopped one: its failed wave counts as done). */
    public Rollout resume(String id, String by) {
        return change(id, rollout -> {
            if (rollout.status() != RolloutStatus.PAUSED && rollout.status() != RolloutStatus.STOPPED) {
                throw new RolloutStateException("rollout " + id + " is "
                        + rollout.status().wireName() + "; only a paused or stopped rollout can be resumed");
            }
            Rollout resumed = rollout.with(RolloutStatus.RUNNING, rollout.currentWave(), null, now());
            if (rollout.status() == RolloutStatus.STOPPED) {
                // The operator accepts the failures: the next wave starts without counting them again.
                return startWave(resumed, rollout.currentWave() + 1);
            }
            return resumed;
        });
    }

    /** Starts the next wave of a rollout that waits for approval. */
    public Rollout approve(String id, String by) {
        return change(id, rollout -> {
            if (rollout.status() != RolloutStatus.WAITING_APPROVAL) {
                throw new RolloutStateException("rollout " + id + " is "
                        + rollout.status().wireName() + "; only one waiting for approval can be approved");
            }
            LOG.info("Rollout {}: wave {} approved by {}", id, rollout.currentWave() + 1, by);
            return startWave(
                    rollout.with(RolloutStatus.RUNNING, rollout.currentWave(), null, now()), rollout.currentWave() + 1);
        });
    }

    /** Every job not over is canceled, and its device told so. */
    public Rollout cancel(String id, String by) {
        return change(id, rollout -> {
            if (rollout.status().over()) {
                throw new RolloutStateException(
                        "rollout " + id + " is already " + rollout.status().wireName());
            }
            Instant now = now();
            List<DeviceJob> canceled = new ArrayList<>();
            for (JobStatus status : JobStatus.values()) {
                if (!status.terminal()) {
                    for (DeviceJob job : allJobs(rollout.id(), status)) {
                        canceled.add(job.moved(JobStatus.CANCELED, job.progress(), "canceled by " + by, now, null));
                    }
                }
            }
            canceled.forEach(repository::update);
            Rollout over = rollout.with(RolloutStatus.CANCELED, rollout.currentWave(), "canceled by " + by, now);
            repository.update(over);
            canceled.forEach(job -> {
                moved(job);
                upgrades(JobStatus.CANCELED).increment();
                if (job.offeredAt() != null) {
                    withdraw(job);
                }
            });
            return over;
        });
    }

    /** The job the device is to carry out now, with its release and a delta from the version it ran, if any. */
    public record Offer(DeviceJob job, Firmware firmware, FirmwareDelta delta) {}

    /** The device's offered job that is not over, if any (a polling device asks this). */
    public Optional<Offer> offerFor(DeviceId device) {
        return repository.activeJob(device).map(job -> offerOf(job, firmwares.get(firmwareOf(job))));
    }

    /**
     * What a device that polls (hawkBit DDI) is to do now: its offered job with its action number,
     * or else a canceled job it saw and has not acknowledged. A poll counts as word from the device:
     * its job's deadline moves on (written at most once per half timeout).
     */
    public record Poll(Offer offer, DeviceJob canceled, long actionId) {}

    public Optional<Poll> poll(DeviceId device) {
        Optional<DeviceJob> active = repository.activeJob(device);
        if (active.isPresent()) {
            DeviceJob job = active.get();
            Rollout rollout = get(job.rolloutId());
            Instant now = now();
            Instant deadline = now.plus(rollout.deviceTimeout());
            if (job.deadline() != null
                    && Duration.between(job.deadline(), deadline)
                                    .compareTo(rollout.deviceTimeout().dividedBy(2))
                            > 0) {
                lock.lock();
                try {
                    repository
                            .job(job.id())
                            .filter(current -> current.status().active())
                            .ifPresent(current -> repository.update(current.withDeadline(deadline)));
                } finally {
                    lock.unlock();
                }
            }
            return Optional.of(
                    new Poll(offerOf(job, firmwares.get(rollout.firmwareId())), null, repository.actionId(job.id())));
        }
        return repository.unacknowledgedCancel(device).map(job -> new Poll(null, job, repository.actionId(job.id())));
    }

    /**
     * The device's job by its DDI action number.
     *
     * @throws OtaRefusedException for an unknown number or another device's job
     */
    public DeviceJob jobOfAction(DeviceId device, long actionId) {
        DeviceJob job = repository
                .jobOfAction(actionId)
                .orElseThrow(() -> refuse(OtaRefusedException.Reason.UNKNOWN_JOB, "no action " + actionId));
        if (!job.device().equals(device)) {
            throw refuse(OtaRefusedException.Reason.NOT_YOURS, "action " + actionId + " is not this device's");
        }
        return job;
    }

    /** The device confirmed that it stopped a canceled job (DDI {@code cancelAction/{id}/feedback}). */
    public void acknowledgeCancel(DeviceId device, long actionId, String details) {
        lock.lock();
        try {
            DeviceJob job = jobOfAction(device, actionId);
            if (job.status() != JobStatus.CANCELED) {
                throw refuse(OtaRefusedException.Reason.OVER, "action " + actionId + " was not canceled");
            }
            repository.acknowledgeCancel(job.id());
            String reason = (job.reason() == null ? "canceled" : job.reason()) + "; the device confirmed"
                    + (details == null || details.isBlank() ? "" : ": " + details);
            repository.update(job.withReason(reason, now()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The release image of the device's job, for it to download.
     *
     * @throws OtaRefusedException for a job that is not the device's or is over
     */
    public Firmwares.Image imageFor(DeviceId device, String jobId) throws java.io.IOException {
        DeviceJob job = ownJob(device, jobId);
        if (!job.status().active()) {
            throw refuse(
                    OtaRefusedException.Reason.OVER,
                    "job " + jobId + " is " + job.status().wireName());
        }
        return firmwares.image(firmwareOf(job));
    }

    /**
     * A release's image for a device whose offered job is of that release (DDI downloads name the
     * release, not the job); any other release is refused, as another device's.
     */
    public Firmwares.Image imageOfRelease(DeviceId device, String firmwareId) throws java.io.IOException {
        Optional<DeviceJob> active = repository.activeJob(device);
        if (active.isEmpty() || !firmwareOf(active.get()).equals(firmwareId)) {
            throw refuse(
                    OtaRefusedException.Reason.NOT_YOURS,
                    "release " + firmwareId + " is not offered to " + device.value());
        }
        return firmwares.image(firmwareId);
    }

    /**
     * A device's report on its job. Reporting the state the job is in again (a redelivery) changes
     * nothing; a report on a job that ended is refused.
     *
     * @throws OtaRefusedException for an unknown job, another device's, or one that is over
     */
    public DeviceJob report(DeviceId device, JobReport report) {
        lock.lock();
        try {
            DeviceJob job = ownJob(device, report.jobId());
            if (job.status() == report.status() && job.status().terminal()) {
                return job; // the same word again: the job already holds it
            }
            if (!job.status().active()) {
                throw refuse(
                        OtaRefusedException.Reason.OVER,
                        "job " + job.id() + " is " + job.status().wireName());
            }
            Instant now = now();
            Rollout rollout = get(job.rolloutId());
            int progress = report.progress() != null
                    ? report.progress()
                    : report.status() == JobStatus.COMPLETED ? 100 : job.progress();
            String reason = report.status().failure()
                    ? Optional.ofNullable(report.reason())
                            .orElse("the device reported " + report.status().wireName())
                    : null;
            DeviceJob moved = job.moved(report.status(), progress, reason, now, now.plus(rollout.deviceTimeout()));
            repository.update(moved);
            moved(moved);
            if (moved.status().terminal()) {
                ended(moved, firmwares.get(rollout.firmwareId()));
                advance(repository.find(rollout.id()).orElseThrow());
            }
            return moved;
        } finally {
            lock.unlock();
        }
    }

    private DeviceJob ownJob(DeviceId device, String jobId) {
        DeviceJob job = repository
                .job(jobId)
                .orElseThrow(() -> refuse(OtaRefusedException.Reason.UNKNOWN_JOB, "no job '" + jobId + "'"));
        if (!job.device().equals(device)) {
            throw refuse(OtaRefusedException.Reason.NOT_YOURS, "job " + jobId + " is not this device's");
        }
        return job;
    }

    private OtaRefusedException refuse(OtaRefusedException.Reason reason, String message) {
        refused.get(reason).increment();
        return new OtaRefusedException(reason, message);
    }

    /** What follows a job's end: the outcome counted, the device's record on a completion, the offer withdrawn. */
    private void ended(DeviceJob job, Firmware firmware) {
        upgrades(job.status()).increment();
        if (job.status() == JobStatus.COMPLETED) {
            if (job.offeredAt() != null) {
                duration.record(Duration.between(job.offeredAt(), job.updatedAt()));
            }
            try {
                registry.update(job.device().value(), DevicePatch.of(Map.of("firmware_version", firmware.version())));
                ObjectNode reported = JsonNodeFactory.instance.objectNode();
                reported.putObject("state").putObject("reported").put("firmware_version", firmware.version());
                shadows.update(job.device(), reported, ChangedBy.OTA);
            } catch (RuntimeException e) {
                // The job is complete whatever the record says; the device reports its version again when it connects.
                if (failureLog.allow("record")) {
                    LOG.warn("Recording {}'s new firmware version failed: {}", job.device(), e.toString());
                }
            }
        }
        withdraw(job);
    }

    private void withdraw(DeviceJob job) {
        for (OtaChannel channel : channels) {
            try {
                channel.withdraw(job);
            } catch (RuntimeException e) {
                if (failureLog.allow("withdraw")) {
                    LOG.warn("Withdrawing job {} from {} failed: {}", job.id(), job.device(), e.toString());
                }
            }
        }
    }

    private Offer offerOf(DeviceJob job, Firmware firmware) {
        return new Offer(
                job,
                firmware,
                firmwares.deltaFrom(firmware.id(), job.fromVersion()).orElse(null));
    }

    /**
     * The delta file of the device's job, for it to download.
     *
     * @throws OtaRefusedException for a job that is not the device's, is over, or has no delta
     */
    public Path deltaFor(DeviceId device, String jobId) throws java.io.IOException {
        DeviceJob job = ownJob(device, jobId);
        if (!job.status().active()) {
            throw refuse(
                    OtaRefusedException.Reason.OVER,
                    "job " + jobId + " is " + job.status().wireName());
        }
        FirmwareDelta delta = firmwares
                .deltaFrom(firmwareOf(job), job.fromVersion())
                .orElseThrow(() -> refuse(
                        OtaRefusedException.Reason.UNKNOWN_JOB, "job " + jobId + " has no delta; fetch the image"));
        return firmwares.deltaFile(delta);
    }

    /** Tells each job's device of it, with the release's delta from the version it runs (the deltas read once). */
    private void offer(List<DeviceJob> jobs, Firmware firmware) {
        if (jobs.isEmpty()) {
            return;
        }
        Map<String, FirmwareDelta> deltas = new HashMap<>();
        firmwares.deltas(firmware.id()).forEach(delta -> deltas.putIfAbsent(delta.baseVersion(), delta));
        for (DeviceJob job : jobs) {
            offer(job, firmware, job.fromVersion() == null ? null : deltas.get(job.fromVersion()));
        }
    }

    private void offer(DeviceJob job, Firmware firmware, FirmwareDelta delta) {
        for (OtaChannel channel : channels) {
            try {
                channel.offer(job, firmware, delta);
            } catch (RuntimeException e) {
                if (failureLog.allow("offer")) {
                    LOG.warn("Offering job {} to {} failed: {}", job.id(), job.device(), e.toString());
                }
            }
        }
    }

    private Rollout change(String id, java.util.function.UnaryOperator<Rollout> operation) {
        lock.lock();
        try {
            Rollout changed = operation.apply(get(id));
            repository.update(changed);
            return advance(changed);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves a running rollout on from what its jobs' counts say: the first wave starts; a wave past
     * its error threshold stops it; one at its success threshold (or with every job over) starts the
     * next or waits for approval; the last one finishes it when every job is over.
     */
    private Rollout advance(Rollout rollout) {
        if (rollout.status() != RolloutStatus.RUNNING) {
            return rollout;
        }
        if (rollout.currentWave() == 0) {
            return startWave(rollout, 1);
        }
        Map<Integer, Map<JobStatus, Integer>> counts = repository.counts(rollout.id());
        Map<JobStatus, Integer> wave = counts.getOrDefault(rollout.currentWave(), Map.of());
        int size = sum(wave, null);
        int failed = sum(wave, JobStatus.FAILED) + sum(wave, JobStatus.ROLLED_BACK);
        int completed = sum(wave, JobStatus.COMPLETED);
        boolean waveOver = wave.entrySet().stream().allMatch(e -> e.getKey().terminal() || e.getValue() == 0);
        Instant now = now();
        if (size > 0 && failed * 100L > (long) rollout.plan().errorThreshold() * size) {
            return stop(
                    rollout,
                    "wave " + rollout.currentWave() + ": " + failed + " of " + size
                            + " device(s) failed, above the error threshold of "
                            + rollout.plan().errorThreshold() + "%");
        }
        boolean succeeded =
                size == 0 || completed * 100L >= (long) rollout.plan().successThreshold() * size;
        if (!succeeded) {
            if (waveOver) {
                return stop(
                        rollout,
                        "wave " + rollout.currentWave() + " ended with " + completed + " of " + size
                                + " device(s) updated, below the success threshold of "
                                + rollout.plan().successThreshold()
                                + "%");
            }
            return rollout;
        }
        if (rollout.currentWave() < rollout.waves()) {
            if (!rollout.plan().autoAdvance()) {
                Rollout waiting = rollout.with(RolloutStatus.WAITING_APPROVAL, rollout.currentWave(), null, now);
                repository.update(waiting);
                LOG.info(
                        "Rollout {}: wave {} succeeded; the next waits for approval",
                        rollout.id(),
                        rollout.currentWave());
                return waiting;
            }
            return startWave(rollout, rollout.currentWave() + 1);
        }
        return finishIfOver(rollout, counts);
    }

    private Rollout stop(Rollout rollout, String reason) {
        Rollout stopped = rollout.with(RolloutStatus.STOPPED, rollout.currentWave(), reason, now());
        repository.update(stopped);
        LOG.warn("Rollout {} stopped: {}", rollout.id(), reason);
        return stopped;
    }

    private static int sum(Map<JobStatus, Integer> counts, JobStatus status) {
        if (status == null) {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }
        return counts.getOrDefault(status, 0);
    }

    /**
     * Offers wave {@code wave}'s jobs (when the maintenance window is open; the clock tries again
     * otherwise). The jobs are stored as pending before any device is told.
     */
    private Rollout startWave(Rollout rollout, int wave) {
        if (wave > rollout.waves()) {
            // A resumed rollout whose last wave had stopped it: it ends when its jobs do.
            return finishIfOver(rollout, repository.counts(rollout.id()));
        }
        Instant now = now();
        if (rollout.maintenanceWindow() != null && !rollout.maintenanceWindow().isOpen(now)) {
            return rollout;
        }
        Firmware firmware = firmwares.get(rollout.firmwareId());
        List<DeviceJob> offered = new ArrayList<>();
        for (DeviceJob job : allJobs(rollout.id(), JobStatus.SCHEDULED)) {
            if (job.wave() == wave) {
                offered.add(job.moved(JobStatus.PENDING, 0, null, now, now.plus(rollout.deviceTimeout())));
            }
        }
        repository.updateAll(offered);
        Rollout started = rollout.with(RolloutStatus.RUNNING, wave, null, now);
        repository.update(started);
        LOG.info(
                "Rollout {}: wave {} of {} started, {} device(s)", rollout.id(), wave, rollout.waves(), offered.size());
        offer(offered, firmware);
        // An empty wave (its devices were deleted) is over at once.
        return offered.isEmpty() ? advance(started) : started;
    }

    /** Finishes the rollout when every job of every wave is over ({@code counts}: by wave, by state). */
    private Rollout finishIfOver(Rollout rollout, Map<Integer, Map<JobStatus, Integer>> counts) {
        boolean allOver = counts.values().stream()
                .flatMap(m -> m.entrySet().stream())
                .allMatch(e -> e.getKey().terminal() || e.getValue() == 0);
        if (!allOver) {
            return rollout;
        }
        Rollout finished = rollout.with(RolloutStatus.FINISHED, rollout.currentWave(), null, now());
        repository.update(finished);
        LOG.info("Rollout {} finished", rollout.id());
        return finished;
    }

    private List<DeviceJob> allJobs(String rolloutId, JobStatus status) {
        List<DeviceJob> all = new ArrayList<>();
        DeviceId after = null;
        while (true) {
            List<DeviceJob> page = repository.jobs(rolloutId, status, PAGE, after);
            all.addAll(page);
            if (page.size() < PAGE) {
                return all;
            }
            after = page.get(page.size() - 1).device();
        }
    }

    /**
     * After a start, every offered job is offered again: a node killed between storing a wave's
     * jobs and telling their devices must still tell them (an offer is idempotent: the same job id).
     */
    private void offerAgain() {
        try {
            for (Rollout rollout : repository.unfinished()) {
                Firmware firmware = firmwares.get(rollout.firmwareId());
                for (JobStatus status : JobStatus.values()) {
                    if (status.active()) {
                        offer(allJobs(rollout.id(), status), firmware);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Offering the unfinished rollouts' jobs again after the start failed: {}", e.toString());
        }
    }

    /** Once a second: silent devices' jobs fail, held-back waves start, dynamic groups grow. */
    void tick() {
        try {
            Instant now = now();
            lock.lock();
            try {
                Set<String> touched = new HashSet<>();
                for (DeviceJob job : repository.expired(now, PAGE)) {
                    Rollout rollout = repository.find(job.rolloutId()).orElse(null);
                    if (rollout == null) {
                        continue;
                    }
                    DeviceJob failed = job.moved(
                            JobStatus.FAILED,
                            job.progress(),
                            "timed out: no report from the device within " + rollout.deviceTimeout(),
                            now,
                            null);
                    repository.update(failed);
                    moved(failed);
                    ended(failed, firmwares.get(rollout.firmwareId()));
                    touched.add(rollout.id());
                }
                boolean dynamicPass = !now.isBefore(nextDynamicPass);
                if (dynamicPass) {
                    nextDynamicPass = now.plus(DYNAMIC_PERIOD);
                }
                for (Rollout rollout : repository.unfinished()) {
                    if (dynamicPass && rollout.dynamic() && rollout.status() != RolloutStatus.CANCELED) {
                        join(rollout);
                    }
                    if (touched.contains(rollout.id())
                            || rollout.currentWave() == 0
                            || rollout.maintenanceWindow() != null) {
                        advance(rollout);
                    }
                }
            } finally {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            if (failureLog.allow("tick")) {
                LOG.warn("The OTA clock failed; it runs again in a second: {}", e.toString());
            }
        }
    }

    /** Devices that joined a dynamic rollout's group get a job in its last wave (offered at once if that wave runs). */
    private void join(Rollout rollout) {
        Firmware firmware = firmwares.get(rollout.firmwareId());
        List<Device> joined =
                eligible(rollout.target(), firmware, new ArrayList<>(), repository.devicesOf(rollout.id()));
        if (joined.isEmpty()) {
            return;
        }
        Instant now = now();
        boolean lastWaveRuns = rollout.currentWave() == rollout.waves() && rollout.status() == RolloutStatus.RUNNING;
        List<DeviceJob> jobs = new ArrayList<>();
        for (Device device : joined) {
            DeviceJob job = scheduled(rollout, device, rollout.waves(), now);
            jobs.add(
                    lastWaveRuns ? job.moved(JobStatus.PENDING, 0, null, now, now.plus(rollout.deviceTimeout())) : job);
        }
        repository.addJobs(jobs);
        LOG.info("Rollout {}: {} device(s) joined its group", rollout.id(), jobs.size());
        if (lastWaveRuns) {
            offer(jobs, firmware);
        }
    }

    private DeviceJob scheduled(Rollout rollout, Device device, int wave, Instant now) {
        Map<JobStatus, Instant> steps = new LinkedHashMap<>();
        steps.put(JobStatus.SCHEDULED, now);
        return new DeviceJob(
                "job-" + randomHex(),
                rollout.id(),
                device.id(),
                wave,
                JobStatus.SCHEDULED,
                0,
                null,
                device.firmwareVersion(),
                null,
                now,
                null,
                steps);
    }

    /**
     * The target group's devices that can take the release, in a stable order (by id); the others
     * go to {@code skipped} with the reason. {@code exclude}: devices already in the rollout.
     */
    private List<Device> eligible(
            RolloutTarget target, Firmware firmware, List<Skipped> skipped, Set<DeviceId> exclude) {
        List<Device> candidates = new ArrayList<>();
        if (target.byId()) {
            for (DeviceId id : target.devices()) {
                Optional<Device> device = registry.find(id);
                if (device.isEmpty()) {
                    skipped.add(new Skipped(id.value(), "no such device"));
                } else if (!exclude.contains(id)) {
                    candidates.add(device.get());
                }
            }
        } else {
            String model = target.model() == null ? firmware.model() : target.model();
            String firstTag =
                    target.tags().isEmpty() ? null : target.tags().iterator().next();
            DeviceFilter filter = new DeviceFilter(target.type(), null, firstTag, model, null);
            DeviceId after = null;
            while (true) {
                List<Device> page = registry.list(filter, PAGE, after);
                for (Device device : page) {
                    if (device.tags().containsAll(target.tags()) && !exclude.contains(device.id())) {
                        candidates.add(device);
                    }
                }
                if (page.size() < PAGE) {
                    break;
                }
                after = page.get(page.size() - 1).id();
            }
        }
        Set<DeviceId> busy = repository.busy(candidates.stream().map(Device::id).toList());
        SemVer version = SemVer.parse(firmware.version());
        SemVer minVersion = firmware.minVersion() == null ? null : SemVer.parse(firmware.minVersion());
        List<Device> eligible = new ArrayList<>();
        Map<DeviceId, Boolean> seen = new HashMap<>();
        for (Device device : candidates) {
            if (seen.put(device.id(), true) != null) {
                continue;
            }
            String why = refusal(device, target, firmware, version, minVersion, busy);
            if (why == null) {
                eligible.add(device);
            } else {
                skipped.add(new Skipped(device.id().value(), why));
            }
        }
        eligible.sort(java.util.Comparator.comparing(d -> d.id().value()));
        return eligible;
    }

    /** Why the device cannot take the release; null when it can. */
    private static String refusal(
            Device device,
            RolloutTarget target,
            Firmware firmware,
            SemVer version,
            SemVer minVersion,
            Set<DeviceId> busy) {
        if (target.type() != null && device.type() != target.type()) {
            return "type " + device.type().wireName() + " is not "
                    + target.type().wireName();
        }
        if (device.model() != null && !device.model().equals(firmware.model())) {
            return "model " + device.model() + " is not the release's " + firmware.model();
        }
        if (target.fromVersion() != null && !target.fromVersion().equals(device.firmwareVersion())) {
            return "runs " + device.firmwareVersion() + ", not " + target.fromVersion();
        }
        SemVer current = SemVer.tryParse(device.firmwareVersion());
        if (current != null && current.compareTo(version) >= 0) {
            return "runs " + device.firmwareVersion() + ", not older than " + firmware.version();
        }
        if (minVersion != null && (current == null || current.compareTo(minVersion) < 0)) {
            return "runs " + (device.firmwareVersion() == null ? "an unknown version" : device.firmwareVersion())
                    + "; the release upgrades from " + firmware.minVersion() + " on";
        }
        if (busy.contains(device.id())) {
            return "has an update in progress";
        }
        return null;
    }

    private String firmwareOf(DeviceJob job) {
        return repository.find(job.rolloutId()).orElseThrow().firmwareId();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private String randomHex() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
