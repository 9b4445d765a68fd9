package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.command.Command;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.rules.ActionJob;
import io.edgeward.core.rules.Alarm;
import io.edgeward.core.rules.AlarmChange;
import io.edgeward.core.rules.AlarmQuery;
import io.edgeward.core.rules.AlarmStatus;
import io.edgeward.core.rules.Firing;
import io.edgeward.core.rules.Replay;
import io.edgeward.core.rules.RuleConflictException;
import io.edgeward.core.rules.RuleJournal;
import io.edgeward.core.rules.RulePair;
import io.edgeward.core.rules.RuleSettings;
import io.edgeward.core.rules.Rules;
import io.edgeward.core.rules.Severity;
import io.edgeward.core.rules.Transition;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.Value;
import io.edgeward.core.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rules over a real store, driven as devices drive them (points through the telemetry pipeline)
 * and by a clock the test moves: each temporal form, alarms, actions recorded once, restarts in
 * the middle of a duration, replay against live evaluation.
 */
abstract class RulesContract {

    static final long T0 = 1_760_000_040_000L - 1_760_000_040_000L % 60_000;
    static final DeviceId PUMP = DeviceId.of("pump-1");
    static final ObjectMapper JSON = new ObjectMapper();

    SqlStore store;
    Lifecycles parts;
    Platform platform;
    SimpleMeterRegistry meters;
    final TestClock clock = new TestClock(T0);
    List<RuleSettings.Source> files = List.of();

    abstract SqlStore openStore() throws Exception;

    abstract SqlStore reopenStore() throws Exception;

    void start() throws Exception {
        if (store == null) {
            store = openStore();
            StoreContractTest.registry(store, T0)
                    .register(new NewDevice(
                            PUMP, null, DeviceType.SENSOR, "P1", null, null, Map.of(), Set.of("floor-2")));
        }
        meters = new SimpleMeterRegistry();
        parts = new Lifecycles(Platform.STOP_BOUND);
        platform = Platform.builder(store.ports(), parts)
                .meters(meters)
                .threads(Threads.named("test"))
                .clock(clock)
                .ruleSettings(new RuleSettings(files))
                .start();
        platform.startCommands();
    }

    /** Stops the node and its store as a crash would leave them (states saved at the last tick), and starts both again. */
    void restart() throws Exception {
        parts.closeAll();
        store = reopenStore();
        start();
    }

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.closeAll();
        }
    }

    Rules rules() {
        return platform.rules();
    }

    void rule(String json) throws Exception {
        rules().create(JSON.readTree(json), "test");
    }

    /** Sends a point as a device does and waits until the rules have evaluated it. */
    void send(long ts, String metric, Object value) {
        double before = evaluations();
        StoreContractTest.send(platform, PUMP, ts, metric, value);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> evaluations() > before
                        || meters.counter("edgeward.rule.late.points").count() > 0
                        || noRuleFor(metric));
    }

    private boolean noRuleFor(String metric) {
        return rules().list().stream()
                .noneMatch(r -> r.rule() != null
                        && r.rule().enabled()
                        && (r.rule().metric() == null || r.rule().metric().equals(metric)));
    }

    double evaluations() {
        return meters.counter("iot_rules_evaluated").count();
    }

    List<Alarm> alarms(AlarmStatus... statuses) {
        return rules().alarms(new AlarmQuery(Set.of(statuses), Set.of(), PUMP, null, null, null, null, 100));
    }

    Alarm onlyAlarm() {
        List<Alarm> all = alarms();
        assertThat(all).hasSize(1);
        return all.getFirst();
    }

    List<Command> commands(String type) {
        return platform.commands().list(PUMP, 100, null).stream()
                .filter(c -> c.type().equals(type))
                .toList();
    }

    void awaitCommands(String type, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> commands(type).size() >= count);
        assertThat(commands(type)).hasSize(count);
    }

    static final String HIGH_TEMP = """
            {"id": "high-temp", "name": "High temperature", "metric": "temperature", "condition": "value > 80",
             "actions": [{"type": "alarm", "severity": "major", "message": "{{device.id}} too hot"},
                         {"type": "command", "command": "activate_cooling", "parameters": {"reason": "{{value}} {{unit}}"}}]}""";

    @Test
    void plainCondition_raisesOneAlarmAndOneCommand_updatesTheAlarmWhileItHolds_andClearsWhenItStops()
            throws Exception {
        start();
        rule(HIGH_TEMP);
        send(T0, "temperature", 70.0);
        assertThat(alarms()).isEmpty();
        send(T0 + 1_000, "temperature", 85.0);
        Alarm raised = onlyAlarm();
        assertThat(raised.status()).isEqualTo(AlarmStatus.ACTIVE_UNACK);
        assertThat(raised.severity()).isEqualTo(Severity.MAJOR);
        assertThat(raised.message()).isEqualTo("pump-1 too hot");
        assertThat(raised.lastValue().raw()).isEqualTo(85.0);
        awaitCommands("activate_cooling", 1);
        assertThat(commands("activate_cooling").getFirst().parameters()).containsEntry("reason", "85 ");

        send(T0 + 2_000, "temperature", 90.0);
        rules().tickNow(); // the flush writes the repeats into the open alarm
        assertThat(onlyAlarm().count()).isEqualTo(2);
        assertThat(onlyAlarm().lastValue().raw()).isEqualTo(90.0);
        assertThat(commands("activate_cooling")).as("one firing, one command").hasSize(1);

        send(T0 + 3_000, "temperature", 60.0);
        assertThat(onlyAlarm().status()).isEqualTo(AlarmStatus.CLEARED_UNACK);
        assertThat(meters.counter("iot_rules_triggered", "rule", "high-temp").count())
                .isEqualTo(1);
    }

    static final String VIBRATION = """
            {"id": "vibration", "metric": "vibration", "condition": "value > 5", "for": "5m", "clear": "value < 3",
             "actions": [{"type": "alarm", "severity": "critical"},
                         {"type": "command", "command": "shutdown_machine"}]}""";

    @Test
    void for_firesOnlyOnceTheConditionHeldUnbroken_andClearsWithHysteresis() throws Exception {
        start();
        rule(VIBRATION);
        send(T0, "vibration", 6.0);
        send(T0 + 120_000, "vibration", 7.0);
        send(T0 + 240_000, "vibration", 4.0); // breaks it
        send(T0 + 300_000, "vibration", 6.0); // holds from here
        send(T0 + 540_000, "vibration", 6.5);
        assertThat(alarms()).isEmpty();
        send(T0 + 600_000, "vibration", 8.0);
        Alarm alarm = onlyAlarm();
        assertThat(alarm.lastTime()).isEqualTo(Instant.ofEpochMilli(T0 + 600_000));
        assertThat(alarm.firingId()).isEqualTo("vibration/pump-1/" + (T0 + 600_000));
        send(T0 + 660_000, "vibration", 4.0); // below 5 but not below 3: still raised
        assertThat(onlyAlarm().status()).isEqualTo(AlarmStatus.ACTIVE_UNACK);
        send(T0 + 720_000, "vibration", 2.0);
        assertThat(onlyAlarm().status()).isEqualTo(AlarmStatus.CLEARED_UNACK);
        awaitCommands("shutdown_machine", 1);
    }

    @Test
    void for_firesByTheClock_andARestartInTheMiddle_neitherStartsItAgainNorFiresTwice() throws Exception {
        clock.set(T0);
        start();
        rule(VIBRATION);
        send(T0, "vibration", 6.0);
        clock.set(T0 + 120_000);
        rules().tickNow(); // saves the state, as the clock thread does each second
        restart(); // as after kill -9: what was saved at the last tick
        clock.set(T0 + 299_000);
        rules().tickNow();
        assertThat(alarms()).as("not yet: 5 minutes from the first point").isEmpty();
        clock.set(T0 + 301_000);
        rules().tickNow();
        Alarm alarm = onlyAlarm();
        assertThat(alarm.lastTime()).isEqualTo(Instant.ofEpochMilli(T0 + 300_000));
        awaitCommands("shutdown_machine", 1);
        restart();
        clock.set(T0 + 400_000);
        rules().tickNow();
        send(T0 + 400_000, "vibration", 7.0);
        rules().tickNow();
        assertThat(onlyAlarm().count()).isEqualTo(2);
        assertThat(commands("shutdown_machine")).as("one firing: sent once").hasSize(1);
    }

    @Test
    void pointsCommittedAfterTheLastSavedState_areEvaluatedAtTheRestart() throws Exception {
        start();
        rule(HIGH_TEMP);
        send(T0, "temperature", 70.0);
        rules().tickNow();
        // Stop the rules from seeing the next point live: as if the node died between its commit and its evaluation.
        rules().close();
        platform.pipeline()
                .submit(new TelemetryMessage(
                        PUMP,
                        DeviceType.SENSOR,
                        ("{\"ts\":" + (T0 + 1_000) + ",\"values\":{\"temperature\":95.0}}")
                                .getBytes(StandardCharsets.UTF_8),
                        PayloadFormat.JSON,
                        T0 + 1_000,
                        System.nanoTime()))
                .join();
        restart();
        assertThat(onlyAlarm().lastValue().raw()).isEqualTo(95.0);
        awaitCommands("activate_cooling", 1);
    }

    @Test
    void absent_firesAfterTheSilence_acrossARestart_andClearsAtTheNextPoint() throws Exception {
        start();
        rule("""
                {"id": "quiet", "metric": "temperature", "absent": "10m",
                 "actions": [{"type": "alarm", "severity": "warning"}]}""");
        send(T0, "temperature", 20.0);
        clock.set(T0 + 300_000);
        rules().tickNow();
        restart();
        clock.set(T0 + 599_000);
        rules().tickNow();
        assertThat(alarms()).isEmpty();
        clock.set(T0 + 601_000);
        rules().tickNow();
        assertThat(onlyAlarm().lastTime()).isEqualTo(Instant.ofEpochMilli(T0 + 600_000));
        send(T0 + 700_000, "temperature", 21.0);
        assertThat(onlyAlarm().status()).isEqualTo(AlarmStatus.CLEARED_UNACK);
    }

    @Test
    void countWithin_firesAtTheNthTimeWithinThePeriod() throws Exception {
        start();
        rule("""
                {"id": "spikes", "metric": "pressure", "condition": "value > 10", "count": "3 within 10m",
                 "clear": "value < 5", "actions": [{"type": "alarm"}]}""");
        send(T0, "pressure", 11.0);
        send(T0 + 60_000, "pressure", 12.0);
        send(T0 + 660_000, "pressure", 13.0); // the first two are out of the period now
        send(T0 + 700_000, "pressure", 14.0);
        assertThat(alarms()).isEmpty();
        send(T0 + 720_000, "pressure", 15.0);
        assertThat(onlyAlarm().lastValue().raw()).isEqualTo(15.0);
    }

    @Test
    void aggregatesAndLatest_seeTheDevicesRecentPoints() throws Exception {
        start();
        rule("""
                {"id": "hot-and-dry", "metric": "temperature",
                 "condition": "avg('temperature', '5m') > 80 && latest.humidity < 30 && count('temperature', '5m') >= 3",
                 "actions": [{"type": "alarm"}]}""");
        send(T0, "humidity", 25.0);
        send(T0 + 1_000, "temperature", 90.0);
        send(T0 + 2_000, "temperature", 95.0);
        assertThat(alarms()).as("two points in the window").isEmpty();
        send(T0 + 3_000, "temperature", 70.0); // mean 85
        assertThat(onlyAlarm().lastValue().raw()).isEqualTo(70.0);
    }

    @Test
    void replay_givesWhatLiveEvaluationGave_andRunsNoAction() throws Exception {
        start();
        rule(VIBRATION);
        double[] values = {6, 7, 4, 6, 6.5, 8, 4, 2, 9, 9, 9, 9};
        for (int i = 0; i < values.length; i++) {
            send(T0 + i * 120_000L, "vibration", values[i]);
        }
        rules().tickNow();
        List<String> live = new ArrayList<>();
        for (Alarm alarm :
                rules().alarms(new AlarmQuery(Set.of(), Set.of(), PUMP, "vibration", null, null, null, 100))) {
            live.add(alarm.firingId());
        }
        Replay replay = rules().replay(
                        "vibration", Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + values.length * 120_000L));
        assertThat(replay.transitions().stream()
                        .filter(t -> t.kind() == Transition.Kind.FIRED)
                        .map(Transition::firingId)
                        .toList())
                .containsExactlyInAnyOrderElementsOf(live);
        assertThat(replay.transitions())
                .extracting(Transition::kind)
                .containsExactly(Transition.Kind.FIRED, Transition.Kind.CLEARED, Transition.Kind.FIRED);
        assertThat(replay.evaluated()).isEqualTo(values.length);
        int commandsBefore = commands("shutdown_machine").size();
        assertThat(commandsBefore).isEqualTo(2);
        rules().replay(
                        JSON.readTree(VIBRATION.replace("\"vibration\", \"metric\"", "\"draft\", \"metric\"")),
                        Instant.ofEpochMilli(T0),
                        Instant.ofEpochMilli(T0 + values.length * 120_000L));
        assertThat(commands("shutdown_machine")).hasSize(commandsBefore);
    }

    @Test
    void aFailingCondition_isCountedAndShownOnItsRule_andTheOtherRulesGoOn() throws Exception {
        start();
        rule("""
                {"id": "broken", "metric": "temperature", "condition": "value > device.metadata.limit"}""");
        rule(HIGH_TEMP);
        send(T0, "temperature", 85.0);
        assertThat(meters.counter("edgeward.rule.errors", "rule", "broken").count())
                .isEqualTo(1);
        assertThat(rules().get("broken").lastError().message()).contains("limit");
        assertThat(onlyAlarm().ruleId()).isEqualTo("high-temp");
    }

    @Test
    void rules_areVersioned_aStaleChangeConflicts_andAFileWinsOnlyWhenItChanged() throws Exception {
        files = List.of(new RuleSettings.Source("file:hot.yaml", JSON.readTree(HIGH_TEMP)));
        start();
        assertThat(rules().get("high-temp").stored().author()).isEqualTo("file:hot.yaml");
        JsonNode edited = JSON.readTree(HIGH_TEMP.replace("value > 80", "value > 90"));
        rules().replace("high-temp", edited, 1L, "ops");
        assertThatThrownBy(() -> rules().replace("high-temp", edited, 1L, "ops"))
                .isInstanceOf(RuleConflictException.class);
        restart();
        assertThat(rules().get("high-temp").rule().condition())
                .as("the file did not change")
                .isEqualTo("value > 90");
        files = List.of(new RuleSettings.Source("file:hot.yaml", JSON.readTree(HIGH_TEMP.replace("80", "85"))));
        restart();
        assertThat(rules().get("high-temp").rule().condition()).isEqualTo("value > 85");
        assertThat(rules().history("high-temp"))
                .extracting(v -> v.author())
                .containsExactly("file:hot.yaml", "ops", "file:hot.yaml");
        rules().delete("high-temp", null, "ops");
        assertThat(rules().history("high-temp").getFirst().document()).isNull();
    }

    @Test
    void aFiringRecordedTwice_storesItsJobsAndCountsItsAlarmOnce() throws Exception {
        start();
        RuleJournal journal = store.ports().ruleJournal();
        RulePair pair = new RulePair("r", PUMP);
        Transition fired = new Transition(Transition.Kind.FIRED, "r", PUMP, T0, "r/pump-1/" + T0, null);
        Firing firing = new Firing(
                pair,
                "{}",
                fired,
                new AlarmChange.Raise("alarm-1", Severity.MAJOR, "hot", Value.of(85.0), Instant.ofEpochMilli(T0)),
                List.of(new ActionJob(
                        "r/pump-1/" + T0 + "#1",
                        "r",
                        PUMP,
                        fired.firingId(),
                        "{\"type\":\"log\"}",
                        "{}",
                        0,
                        Instant.ofEpochMilli(T0))),
                Instant.ofEpochMilli(T0));
        RuleJournal.Recorded first = journal.record(firing);
        assertThat(first.newJobs()).hasSize(1);
        assertThat(first.alarm().orElseThrow().count()).isEqualTo(1);
        RuleJournal.Recorded again = journal.record(new Firing(
                pair,
                "{}",
                fired,
                new AlarmChange.Raise("alarm-2", Severity.MAJOR, "hot", Value.of(85.0), Instant.ofEpochMilli(T0)),
                firing.jobs(),
                Instant.ofEpochMilli(T0 + 5)));
        assertThat(again.newJobs()).as("the job is stored already").isEmpty();
        assertThat(again.alarm().orElseThrow().id()).isEqualTo("alarm-1");
        assertThat(again.alarm().orElseThrow().count()).isEqualTo(1);
        assertThat(journal.dueJobs(Instant.ofEpochMilli(T0 + 10), 10)).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void anInvalidRuleInAFile_stopsTheStart_namingTheFileAndTheProblem() throws Exception {
        files = List.of(new RuleSettings.Source("file:broken.yaml", JSON.readTree("""
                {"id": "broken", "metric": "temperature", "condition": "value >"}""")));
        assertThatThrownBy(this::start).hasMessageContaining("file:broken.yaml").hasMessageContaining("condition: ");
    }

    @Test
    void alarms_areAcknowledgedAndCleared_withWhoAndAComment_andListedNewestFirstAPageAtATime() throws Exception {
        start();
        rule(HIGH_TEMP);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(1)); // alarms are listed by when they were raised
            send(T0 + i * 2_000L, "temperature", 85.0);
            send(T0 + i * 2_000L + 1_000, "temperature", 60.0);
        }
        assertThat(alarms(AlarmStatus.CLEARED_UNACK)).hasSize(3);
        clock.advance(Duration.ofSeconds(1));
        send(T0 + 10_000, "temperature", 99.0);
        Alarm active = alarms(AlarmStatus.ACTIVE_UNACK).getFirst();
        Alarm acked = rules().acknowledge(active.id(), "ana", "looking");
        assertThat(acked.status()).isEqualTo(AlarmStatus.ACTIVE_ACK);
        assertThat(acked.acknowledgedBy()).isEqualTo("ana");
        Alarm cleared = rules().clear(active.id(), "ana", "fixed the fan");
        assertThat(cleared.status()).isEqualTo(AlarmStatus.CLEARED_ACK);
        assertThat(rules().alarmHistory(active.id()))
                .extracting(e -> e.kind().wireName() + ":" + e.actor())
                .containsExactly("raised:rule", "acknowledged:ana", "cleared:ana");

        List<Alarm> firstPage = rules().alarms(new AlarmQuery(Set.of(), Set.of(), null, null, null, null, null, 3));
        assertThat(firstPage).hasSize(3);
        Alarm last = firstPage.getLast();
        List<Alarm> secondPage = rules().alarms(new AlarmQuery(
                Set.of(), Set.of(), null, null, null, null, new AlarmQuery.Cursor(last.createdAt(), last.id()), 3));
        assertThat(secondPage).hasSize(1);
        assertThat(firstPage.getFirst().id()).isEqualTo(active.id());

        platform.registry().delete(PUMP.value());
        assertThat(rules().alarms(new AlarmQuery(Set.of(), Set.of(), null, null, null, null, null, 10)))
                .isEmpty();
    }
}
