package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DevicePatch;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareInUseException;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.ota.FirmwareUpload;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.JobReport;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.NewRollout;
import io.edgeward.core.ota.OtaChannel;
import io.edgeward.core.ota.OtaRefusedException;
import io.edgeward.core.ota.Rollout;
import io.edgeward.core.ota.RolloutStatus;
import io.edgeward.core.ota.RolloutTarget;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.ota.WavePlan;
import io.edgeward.core.platform.Platform;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts over each store: waves and thresholds, approval, pause and cancel, silent devices, the
 * devices a release cannot go to, refusals, and a node restarted mid-rollout. Devices are the
 * service's callers here (their protocols have tests of their own); what the service tells them
 * is recorded by a channel.
 */
abstract class RolloutContract {

    @TempDir
    Path files;

    SqlStore store;
    Lifecycles parts;
    Platform platform;
    Firmwares firmwares;
    Rollouts rollouts;
    SimpleMeterRegistry meters;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
    final List<DeviceJob> offered = new CopyOnWriteArrayList<>();
    final List<DeviceJob> withdrawn = new CopyOnWriteArrayList<>();

    abstract SqlStore openStore() throws Exception;

    /** The same store, closed and opened again. */
    abstract SqlStore reopenStore() throws Exception;

    void start() throws Exception {
        if (store == null) {
            store = openStore();
        }
        meters = new SimpleMeterRegistry();
        parts = new Lifecycles(Platform.STOP_BOUND);
        platform = Platform.builder(store.ports(), parts)
                .meters(meters)
                .threads(Threads.named("test"))
                .clock(clock)
                .start();
        FirmwareSettings settings = new FirmwareSettings(files, 1 << 20, Duration.ofMinutes(10));
        io.edgeward.core.testing.OtaParts ota = io.edgeward.core.testing.OtaParts.start(
                store.ports(),
                settings,
                platform.registry(),
                platform.shadows(),
                clock,
                meters,
                Threads.named("test"),
                parts);
        firmwares = ota.firmwares();
        rollouts = ota.rollouts();
        rollouts.addChannel(new OtaChannel() {
            @Override
            public void offer(DeviceJob job, Firmware firmware, io.edgeward.core.ota.FirmwareDelta delta) {
                offered.add(job);
            }

            @Override
            public void withdraw(DeviceJob job) {
                withdrawn.add(job);
            }
        });
        parts.start("rollouts", rollouts);
    }

    void restart() throws Exception {
        parts.closeAll();
        store = reopenStore();
        offered.clear();
        start();
    }

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.closeAll();
        }
    }

    void devices(int count, String model, String version, String... tags) {
        for (int i = 0; i < count; i++) {
            device(String.format("dev-%03d", i), model, version, tags);
        }
    }

    void device(String id, String model, String version, String... tags) {
        platform.registry()
                .register(new NewDevice(
                        DeviceId.of(id), null, DeviceType.SENSOR, model, version, null, Map.of(), Set.of(tags)));
    }

    Firmware release(String model, String version, String minVersion) throws Exception {
        return firmwares.add(
                new FirmwareUpload(model, version, minVersion, null, null, null, null),
                new ByteArrayInputStream(("image " + model + " " + version).getBytes()));
    }

    static RolloutTarget tagged(String tag) {
        return new RolloutTarget(List.of(), Set.of(tag), null, null, null);
    }

    Rollout create(Firmware firmware, RolloutTarget target, WavePlan plan) {
        return rollouts.create(new NewRollout(null, firmware.id(), target, plan, null, null, false), "test")
                .rollout();
    }

    /** The device reports every step through to {@code outcome}. */
    void updateTo(DeviceJob job, JobStatus outcome) {
        for (JobStatus step : List.of(JobStatus.DOWNLOADING, JobStatus.VERIFYING, JobStatus.INSTALLING)) {
            rollouts.report(job.device(), new JobReport(job.id(), step, 50, null));
        }
        rollouts.report(job.device(), new JobReport(job.id(), outcome, null, outcome.failure() ? "boom" : null));
    }

    List<DeviceJob> offeredIn(int wave) {
        return offered.stream().filter(j -> j.wave() == wave).toList();
    }

    double upgrades(JobStatus status) {
        return meters.get("iot.ota.upgrade")
                .tag("status", status.wireName())
                .counter()
                .count();
    }

    @Test
    void canaryThenWaves_advanceOnSuccess_andTheDeviceRecordFollowsACompletion() throws Exception {
        start();
        devices(10, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);

        Rollout rollout = create(
                firmware,
                tagged("fleet"),
                new WavePlan(1, List.of(new WavePlan.Group(50, null), new WavePlan.Group(100, null)), 100, 0, true));

        assertThat(rollout.waves()).isEqualTo(3);
        assertThat(rollout.currentWave()).isEqualTo(1);
        assertThat(offered)
                .hasSize(1)
                .allSatisfy(job -> assertThat(job.status()).isEqualTo(JobStatus.PENDING));
        assertThat(rollouts.counts(rollout.id()).get(3)).containsEntry(JobStatus.SCHEDULED, 4);

        updateTo(offeredIn(1).get(0), JobStatus.COMPLETED);
        assertThat(offeredIn(2)).hasSize(5);
        offeredIn(2).forEach(job -> updateTo(job, JobStatus.COMPLETED));
        assertThat(offeredIn(3)).hasSize(4);
        offeredIn(3).forEach(job -> updateTo(job, JobStatus.COMPLETED));

        assertThat(rollouts.get(rollout.id()).status()).isEqualTo(RolloutStatus.FINISHED);
        assertThat(upgrades(JobStatus.COMPLETED)).isEqualTo(10);
        assertThat(withdrawn).hasSize(10);
        DeviceId first = offeredIn(1).get(0).device();
        assertThat(platform.registry().get(first.value()).firmwareVersion()).isEqualTo("2.0.0");
        assertThat(platform.shadows()
                        .get(first)
                        .reported()
                        .path("firmware_version")
                        .asText())
                .isEqualTo("2.0.0");
        DeviceJob done = rollouts.job(offeredIn(1).get(0).id());
        assertThat(done.steps().keySet())
                .containsExactlyInAnyOrder(
                        JobStatus.SCHEDULED,
                        JobStatus.PENDING,
                        JobStatus.DOWNLOADING,
                        JobStatus.VERIFYING,
                        JobStatus.INSTALLING,
                        JobStatus.COMPLETED);
        assertThat(done.progress()).isEqualTo(100);
        assertThat(done.deadline()).isNull();
    }

    @Test
    void aWavePastItsErrorThreshold_stopsTheRollout_andAResumeStartsTheNextWave() throws Exception {
        start();
        devices(10, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);
        Rollout rollout = create(
                firmware,
                tagged("fleet"),
                new WavePlan(0, List.of(new WavePlan.Group(null, 5), new WavePlan.Group(100, null)), 80, 20, true));

        List<DeviceJob> wave = offeredIn(1);
        updateTo(wave.get(0), JobStatus.FAILED);
        assertThat(rollouts.get(rollout.id()).status())
                .as("1 of 5 is 20%%: not above the threshold")
                .isEqualTo(RolloutStatus.RUNNING);
        updateTo(wave.get(1), JobStatus.ROLLED_BACK);

        Rollout stopped = rollouts.get(rollout.id());
        assertThat(stopped.status()).isEqualTo(RolloutStatus.STOPPED);
        assertThat(stopped.reason()).contains("2 of 5", "20%");
        updateTo(wave.get(2), JobStatus.COMPLETED); // devices already updating go on
        assertThat(offeredIn(2)).isEmpty();
        assertThat(upgrades(JobStatus.ROLLED_BACK)).isEqualTo(1);

        Rollout resumed = rollouts.resume(rollout.id(), "ops");
        assertThat(resumed.status()).isEqualTo(RolloutStatus.RUNNING);
        assertThat(resumed.currentWave()).isEqualTo(2);
        assertThat(offeredIn(2)).hasSize(5);
    }

    @Test
    void withoutAutoAdvance_theNextWaveWaitsForApproval_andAPauseHoldsIt() throws Exception {
        start();
        devices(4, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);
        Rollout rollout = create(
                firmware, tagged("fleet"), new WavePlan(2, List.of(new WavePlan.Group(100, null)), 50, 50, false));

        updateTo(offeredIn(1).get(0), JobStatus.COMPLETED);
        assertThat(rollouts.get(rollout.id()).status()).isEqualTo(RolloutStatus.WAITING_APPROVAL);
        assertThat(offeredIn(2)).isEmpty();

        rollouts.pause(rollout.id(), "ops");
        assertThatThrownBy(() -> rollouts.approve(rollout.id(), "ops"))
                .isInstanceOf(io.edgeward.core.ota.RolloutStateException.class);
        rollouts.resume(rollout.id(), "ops");
        assertThat(rollouts.get(rollout.id()).status())
                .as("resumed, the wave's success still stands: it waits for approval again")
                .isEqualTo(RolloutStatus.WAITING_APPROVAL);
        rollouts.approve(rollout.id(), "ops");
        assertThat(offeredIn(2)).hasSize(2);
        assertThat(rollouts.get(rollout.id()).currentWave()).isEqualTo(2);
    }

    @Test
    void aDeviceSilentPastItsTimeout_failsTimedOut_andCountsAgainstTheWave() throws Exception {
        start();
        devices(2, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);
        Rollout rollout = rollouts.create(
                        new NewRollout(null, firmware.id(), tagged("fleet"), null, Duration.ofMinutes(5), null, false),
                        "test")
                .rollout();
        DeviceJob talking = offered.get(0);
        rollouts.report(talking.device(), new JobReport(talking.id(), JobStatus.DOWNLOADING, 10, null));

        clock.advance(Duration.ofMinutes(3));
        rollouts.report(talking.device(), new JobReport(talking.id(), JobStatus.DOWNLOADING, 60, null));
        clock.advance(Duration.ofMinutes(3)); // the silent one is past 5 min; the other reported 3 min ago

        DeviceJob silent = offered.get(1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> rollouts.job(silent.id()).status() == JobStatus.FAILED);
        assertThat(rollouts.job(silent.id()).reason()).startsWith("timed out");
        assertThat(rollouts.job(talking.id()).status()).isEqualTo(JobStatus.DOWNLOADING);
        assertThat(rollouts.get(rollout.id()).status())
                .as("1 of 2 failed, above the default error threshold of 50%%? no: equal, so it runs")
                .isEqualTo(RolloutStatus.RUNNING);
        assertThat(withdrawn).extracting(DeviceJob::id).containsExactly(silent.id());
    }

    @Test
    void devicesThatCannotTakeTheRelease_areLeftOut_eachWithTheReason() throws Exception {
        start();
        device("current", "T100", "1.5.0", "fleet");
        device("too-old", "T100", "1.0.0", "fleet");
        device("newer", "T100", "2.1.0", "fleet");
        device("unknown-version", "T100", null, "fleet");
        device("other-model", "X9", "1.5.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", "1.2.0");
        List<DeviceId> ids =
                List.of("current", "too-old", "newer", "unknown-version", "other-model", "missing").stream()
                        .map(DeviceId::of)
                        .toList();

        Rollouts.Created created = rollouts.create(
                new NewRollout(
                        null, firmware.id(), new RolloutTarget(ids, null, null, null, null), null, null, null, false),
                "test");

        assertThat(offered).extracting(DeviceJob::device).containsExactly(DeviceId.of("current"));
        assertThat(created.skipped())
                .extracting(Rollouts.Skipped::device, s -> s.reason().split(" ")[0])
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("missing", "no"),
                        org.assertj.core.groups.Tuple.tuple("too-old", "runs"),
                        org.assertj.core.groups.Tuple.tuple("newer", "runs"),
                        org.assertj.core.groups.Tuple.tuple("unknown-version", "runs"),
                        org.assertj.core.groups.Tuple.tuple("other-model", "model"));
        assertThat(created.skipped())
                .filteredOn(s -> s.device().equals("too-old"))
                .singleElement()
                .satisfies(s -> assertThat(s.reason()).contains("upgrades from 1.2.0"));

        Firmware another = release("T100", "2.0.1", null);
        assertThatThrownBy(() -> create(
                        another, new RolloutTarget(List.of(DeviceId.of("current")), null, null, null, null), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("update in progress");
        assertThatThrownBy(() -> firmwares.delete(firmware.id())).isInstanceOf(FirmwareInUseException.class);

        rollouts.cancel(created.rollout().id(), "ops");
        assertThat(rollouts.job(offered.get(0).id()).status()).isEqualTo(JobStatus.CANCELED);
        assertThat(withdrawn)
                .extracting(DeviceJob::id)
                .containsExactly(offered.get(0).id());
        firmwares.delete(firmware.id());
        assertThat(rollouts.get(created.rollout().id()).status())
                .as("a canceled rollout keeps its history")
                .isEqualTo(RolloutStatus.CANCELED);
    }

    @Test
    void reportsOnAnotherDevicesJob_anUnknownOne_orOneThatEnded_areRefusedAndCounted() throws Exception {
        start();
        devices(2, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);
        create(firmware, tagged("fleet"), null);
        DeviceJob mine = offered.get(0);
        DeviceId other = offered.get(1).device();

        assertThatThrownBy(() -> rollouts.report(other, new JobReport(mine.id(), JobStatus.COMPLETED, null, null)))
                .isInstanceOfSatisfying(
                        OtaRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(OtaRefusedException.Reason.NOT_YOURS));
        assertThatThrownBy(() -> rollouts.imageFor(other, mine.id())).isInstanceOf(OtaRefusedException.class);
        assertThatThrownBy(
                        () -> rollouts.report(mine.device(), new JobReport("job-nope", JobStatus.FAILED, null, null)))
                .isInstanceOfSatisfying(
                        OtaRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(OtaRefusedException.Reason.UNKNOWN_JOB));
        assertThat(rollouts.imageFor(mine.device(), mine.id()).firmware().id()).isEqualTo(firmware.id());

        updateTo(mine, JobStatus.COMPLETED);
        assertThat(rollouts.report(mine.device(), new JobReport(mine.id(), JobStatus.COMPLETED, 100, null))
                        .status())
                .as("a redelivered completion changes nothing")
                .isEqualTo(JobStatus.COMPLETED);
        assertThatThrownBy(
                        () -> rollouts.report(mine.device(), new JobReport(mine.id(), JobStatus.FAILED, null, "late")))
                .isInstanceOfSatisfying(
                        OtaRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(OtaRefusedException.Reason.OVER));
        assertThat(upgrades(JobStatus.COMPLETED)).isEqualTo(1);
        assertThat(meters.get("edgeward.ota.refused")
                        .tag("reason", "not-yours")
                        .counter()
                        .count())
                .isEqualTo(2);
    }

    @Test
    void aRestartedNode_goesOnWhereTheStoreSays_andOffersTheUnfinishedJobsAgain() throws Exception {
        start();
        devices(6, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);
        Rollout rollout = create(
                firmware,
                tagged("fleet"),
                new WavePlan(0, List.of(new WavePlan.Group(null, 3), new WavePlan.Group(100, null)), 100, 50, true));
        List<DeviceJob> wave1 = offeredIn(1);
        updateTo(wave1.get(0), JobStatus.COMPLETED);
        rollouts.report(wave1.get(1).device(), new JobReport(wave1.get(1).id(), JobStatus.INSTALLING, 90, null));

        restart();

        await().atMost(Duration.ofSeconds(10)).until(() -> offered.size() == 2);
        assertThat(offered)
                .extracting(DeviceJob::id)
                .containsExactlyInAnyOrder(wave1.get(1).id(), wave1.get(2).id());
        assertThat(rollouts.job(wave1.get(1).id()).status()).isEqualTo(JobStatus.INSTALLING);
        updateTo(wave1.get(1), JobStatus.COMPLETED);
        updateTo(wave1.get(2), JobStatus.COMPLETED);
        assertThat(offeredIn(2)).hasSize(3);
        assertThat(rollouts.get(rollout.id()).currentWave()).isEqualTo(2);
    }

    @Test
    void aDynamicRollout_takesInDevicesThatJoinItsGroup() throws Exception {
        start();
        devices(2, "T100", "1.0.0", "fleet");
        device("late", "T100", "1.0.0");
        Firmware firmware = release("T100", "2.0.0", null);
        rollouts.create(new NewRollout(null, firmware.id(), tagged("fleet"), null, null, null, true), "test");
        assertThat(offered).hasSize(2);

        platform.registry().update("late", DevicePatch.of(Map.of("tags", List.of("fleet"))));

        await().atMost(Duration.ofSeconds(10)).until(() -> offered.size() == 3);
        assertThat(offered.get(2).device()).isEqualTo(DeviceId.of("late"));
    }

    @Test
    void aMaintenanceWindow_holdsTheFirstWaveUntilItOpens() throws Exception {
        start();
        devices(1, "T100", "1.0.0", "fleet");
        Firmware firmware = release("T100", "2.0.0", null);
        var window = new io.edgeward.core.ota.MaintenanceWindow(
                java.time.LocalTime.of(2, 0), java.time.LocalTime.of(4, 0), ZoneId.of("UTC"));
        Rollout rollout = rollouts.create(
                        new NewRollout(null, firmware.id(), tagged("fleet"), null, null, window, false), "test")
                .rollout();
        assertThat(rollout.currentWave()).isZero();
        assertThat(offered).isEmpty();

        clock.advance(Duration.ofHours(14).plusMinutes(30)); // 02:30 the next day

        await().atMost(Duration.ofSeconds(10)).until(() -> offered.size() == 1);
        assertThat(rollouts.get(rollout.id()).currentWave()).isEqualTo(1);
    }

    /** A clock the test moves on. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration by) {
            now.updateAndGet(t -> t.plus(by));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
