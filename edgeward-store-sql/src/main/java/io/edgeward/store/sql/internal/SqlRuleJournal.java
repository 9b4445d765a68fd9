package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.rules.ActionJob;
import io.edgeward.core.rules.Alarm;
import io.edgeward.core.rules.AlarmChange;
import io.edgeward.core.rules.AlarmEvent;
import io.edgeward.core.rules.Firing;
import io.edgeward.core.rules.RuleJournal;
import io.edgeward.core.rules.RulePair;
import io.edgeward.core.rules.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Rule states, firings and action jobs. {@link #record} writes a firing's state, its alarm change
 * and its jobs in one transaction; a job's id is its key, and an open alarm remembers the firing
 * that raised or last updated it, which is how recording a firing twice does nothing the second time.
 */
public final class SqlRuleJournal implements RuleJournal {

    /** Who a rule's own changes of an alarm are attributed to. */
    private static final String RULE = "rule";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlRuleJournal(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public Map<RulePair, String> states() {
        Map<RulePair, String> states = new LinkedHashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("SELECT rule_id, device_id, state FROM rule_states")
                .map((rs, ctx) -> Map.entry(
                        new RulePair(rs.getString("rule_id"), DeviceId.of(rs.getString("device_id"))),
                        rs.getString("state")))
                .forEach(e -> states.put(e.getKey(), e.getValue())));
        return states;
    }

    @Override
    public void saveStates(Map<RulePair, String> states, Instant at) {
        writes.useTransaction(handle -> {
            PreparedBatch batch = handle.prepareBatch(UPSERT_STATE);
            states.forEach((pair, state) -> batch.bind("r", pair.ruleId())
                    .bind("d", pair.device().value())
                    .bind("s", state)
                    .bind("t", at.toEpochMilli())
                    .add());
            batch.execute();
        });
    }

    private static final String UPSERT_STATE = "INSERT INTO rule_states (rule_id, device_id, state, updated_at) "
            + "VALUES (:r, :d, :s, :t) ON CONFLICT (rule_id, device_id) DO UPDATE SET state = excluded.state, "
            + "updated_at = excluded.updated_at";

    @Override
    public void deleteRule(String ruleId) {
        writes.useTransaction(handle -> {
            handle.createUpdate("DELETE FROM rule_states WHERE rule_id = :r")
                    .bind("r", ruleId)
                    .execute();
            handle.createUpdate("DELETE FROM rule_actions WHERE rule_id = :r AND status = 'pending'")
                    .bind("r", ruleId)
                    .execute();
        });
    }

    @Override
    public void deleteDevice(DeviceId device) {
        writes.useTransaction(handle -> {
            handle.createUpdate("DELETE FROM rule_states WHERE device_id = :d")
                    .bind("d", device.value())
                    .execute();
            handle.createUpdate("DELETE FROM rule_actions WHERE device_id = :d AND status = 'pending'")
                    .bind("d", device.value())
                    .execute();
            handle.createUpdate(
                            "DELETE FROM alarm_events WHERE alarm_id IN (SELECT id FROM alarms WHERE device_id = :d)")
                    .bind("d", device.value())
                    .execute();
            handle.createUpdate("DELETE FROM alarms WHERE device_id = :d")
                    .bind("d", device.value())
                    .execute();
        });
    }

    @Override
    public Recorded record(Firing firing) {
        return writes.inTransaction(handle -> {
            handle.createUpdate(UPSERT_STATE)
                    .bind("r", firing.pair().ruleId())
                    .bind("d", firing.pair().device().value())
                    .bind("s", firing.state())
                    .bind("t", firing.at().toEpochMilli())
                    .execute();
            Optional<Alarm> alarm = switch (firing.alarm()) {
                case null -> Optional.empty();
                case AlarmChange.Raise raise -> raise(handle, firing, raise);
                case AlarmChange.Clear clear -> clear(handle, firing, clear);
            };
            List<ActionJob> added = new ArrayList<>();
            if (!firing.jobs().isEmpty()) {
                PreparedBatch batch =
                        handle.prepareBatch("INSERT INTO rule_actions (id, rule_id, device_id, firing_id, "
                                + "action, context, status, attempts, due_at, created_at) VALUES (:id, :r, :d, :f, :a, :c, "
                                + "'pending', 0, :due, :t) ON CONFLICT (id) DO NOTHING");
                for (ActionJob job : firing.jobs()) {
                    batch.bind("id", job.id())
                            .bind("r", job.ruleId())
                            .bind("d", job.device().value())
                            .bind("f", job.firingId())
                            .bind("a", job.action())
                            .bind("c", job.context())
                            .bind("due", job.due().toEpochMilli())
                            .bind("t", firing.at().toEpochMilli())
                            .add();
                }
                int[] inserted = batch.execute();
                for (int i = 0; i < inserted.length; i++) {
                    if (inserted[i] > 0) {
                        added.add(firing.jobs().get(i));
                    }
                }
            }
            return new Recorded(alarm, added);
        });
    }

    private static Optional<Alarm> open(Handle handle, RulePair pair) {
        return handle.createQuery("SELECT " + SqlAlarmRepository.COLUMNS
                        + " FROM alarms WHERE rule_id = :r AND device_id = :d AND NOT cleared")
                .bind("r", pair.ruleId())
                .bind("d", pair.device().value())
                .map((rs, ctx) -> SqlAlarmRepository.alarm(rs))
                .findOne();
    }

    private static Optional<Alarm> raise(Handle handle, Firing firing, AlarmChange.Raise raise) {
        Optional<Alarm> open = open(handle, firing.pair());
        String firingId = firing.transition().firingId();
        long at = firing.at().toEpochMilli();
        if (open.isEmpty()) {
            var insert = handle.createUpdate(
                            "INSERT INTO alarms (id, rule_id, device_id, severity, cleared, acknowledged, "
                                    + "message, count, firing_id, last_num, last_bool, last_str, last_time, created_at, updated_at) "
                                    + "VALUES (:id, :r, :d, :s, :f, :f, :m, 1, :firing, :num, :bool, :str, :lt, :t, :t)")
                    .bind("id", raise.newId())
                    .bind("r", firing.pair().ruleId())
                    .bind("d", firing.pair().device().value())
                    .bind("s", raise.severity().wireName())
                    .bind("f", false)
                    .bind("m", raise.message())
                    .bind("firing", firingId)
                    .bind("lt", raise.lastTime().toEpochMilli())
                    .bind("t", at);
            SqlAlarmRepository.bindValue(insert, raise.value());
            insert.execute();
            SqlAlarmRepository.event(handle, raise.newId(), firing.at(), AlarmEvent.Kind.RAISED, RULE, firingId);
            return SqlAlarmRepository.find(handle, raise.newId());
        }
        Alarm alarm = open.get();
        if (alarm.firingId().equals(firingId)) {
            return open; // this firing was recorded before a restart
        }
        Severity severity = alarm.severity().max(raise.severity());
        var update = handle.createUpdate(
                        "UPDATE alarms SET count = count + 1, firing_id = :firing, severity = :s, "
                                + "last_num = :num, last_bool = :bool, last_str = :str, last_time = :lt, updated_at = :t WHERE id = :id")
                .bind("firing", firingId)
                .bind("s", severity.wireName())
                .bind("lt", raise.lastTime().toEpochMilli())
                .bind("t", at)
                .bind("id", alarm.id());
        SqlAlarmRepository.bindValue(update, raise.value());
        update.execute();
        if (severity != alarm.severity()) {
            SqlAlarmRepository.event(
                    handle, alarm.id(), firing.at(), AlarmEvent.Kind.ESCALATED, RULE, severity.wireName());
        }
        return SqlAlarmRepository.find(handle, alarm.id());
    }

    private static Optional<Alarm> clear(Handle handle, Firing firing, AlarmChange.Clear clear) {
        Optional<Alarm> open = open(handle, firing.pair());
        if (open.isEmpty()) {
            return Optional.empty();
        }
        String id = open.get().id();
        if (clear.value() != null) {
            var update = handle.createUpdate(
                            "UPDATE alarms SET last_num = :num, last_bool = :bool, last_str = :str, last_time = :lt WHERE id = :id")
                    .bind("lt", clear.lastTime().toEpochMilli())
                    .bind("id", id);
            SqlAlarmRepository.bindValue(update, clear.value());
            update.execute();
        }
        SqlAlarmRepository.markCleared(handle, id, RULE, firing.at());
        SqlAlarmRepository.event(
                handle,
                id,
                firing.at(),
                AlarmEvent.Kind.CLEARED,
                RULE,
                firing.transition().firingId());
        return SqlAlarmRepository.find(handle, id);
    }

    @Override
    public List<ActionJob> dueJobs(Instant now, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT id, rule_id, device_id, firing_id, action, context, "
                                + "attempts, due_at FROM rule_actions WHERE status = 'pending' AND due_at <= :now ORDER BY due_at "
                                + "LIMIT :n")
                .bind("now", now.toEpochMilli())
                .bind("n", limit)
                .map((rs, ctx) -> new ActionJob(
                        rs.getString("id"),
                        rs.getString("rule_id"),
                        DeviceId.of(rs.getString("device_id")),
                        rs.getString("firing_id"),
                        rs.getString("action"),
                        rs.getString("context"),
                        rs.getInt("attempts"),
                        Instant.ofEpochMilli(rs.getLong("due_at"))))
                .list());
    }

    @Override
    public void jobDone(String id, Instant at) {
        finish(id, "done", null, null, at);
    }

    @Override
    public void jobRetry(String id, int attempts, Instant next, String error) {
        writes.useTransaction(handle -> handle.createUpdate(
                        "UPDATE rule_actions SET attempts = :n, due_at = :due, last_error = :e WHERE id = :id")
                .bind("n", attempts)
                .bind("due", next.toEpochMilli())
                .bind("e", error)
                .bind("id", id)
                .execute());
    }

    @Override
    public void jobFailed(String id, int attempts, String error, Instant at) {
        finish(id, "failed", attempts, error, at);
    }

    private void finish(String id, String status, Integer attempts, String error, Instant at) {
        writes.useTransaction(handle -> handle.createUpdate("UPDATE rule_actions SET status = :s, finished_at = :t, "
                        + "attempts = COALESCE(:n, attempts + 1), last_error = COALESCE(:e, last_error) WHERE id = :id")
                .bind("s", status)
                .bind("t", at.toEpochMilli())
                .bind("n", attempts)
                .bind("e", error)
                .bind("id", id)
                .execute());
    }

    @Override
    public int pruneJobs(Instant before) {
        return writes.inTransaction(
                handle -> handle.createUpdate("DELETE FROM rule_actions WHERE status <> 'pending' AND finished_at < :t")
                        .bind("t", before.toEpochMilli())
                        .execute());
    }
}
