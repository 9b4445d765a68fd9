package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.rules.Alarm;
import io.edgeward.core.rules.AlarmEvent;
import io.edgeward.core.rules.AlarmNotFoundException;
import io.edgeward.core.rules.AlarmQuery;
import io.edgeward.core.rules.AlarmRepository;
import io.edgeward.core.rules.AlarmStatus;
import io.edgeward.core.rules.Severity;
import io.edgeward.core.telemetry.Value;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** Alarms and their history; what rules raise and clear is written by {@link SqlRuleJournal}. */
public final class SqlAlarmRepository implements AlarmRepository {

    static final String COLUMNS = "id, rule_id, device_id, severity, cleared, acknowledged, message, count, firing_id, "
            + "last_num, last_bool, last_str, last_time, created_at, updated_at, acknowledged_at, acknowledged_by, "
            + "cleared_at, cleared_by";

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlAlarmRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public Optional<Alarm> get(String id) {
        return jdbi.withHandle(handle -> find(handle, id));
    }

    static Optional<Alarm> find(Handle handle, String id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM alarms WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> alarm(rs))
                .findOne();
    }

    @Override
    public List<Alarm> list(AlarmQuery query) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alarms WHERE 1 = 1");
        List<String> statuses = new ArrayList<>();
        for (AlarmStatus status : query.statuses()) {
            statuses.add("(cleared = :c" + status.ordinal() + " AND acknowledged = :a" + status.ordinal() + ")");
        }
        if (!statuses.isEmpty()) {
            sql.append(" AND (").append(String.join(" OR ", statuses)).append(')');
        }
        if (!query.severities().isEmpty()) {
            sql.append(" AND severity IN (<severities>)");
        }
        if (query.device() != null) {
            sql.append(" AND device_id = :device");
        }
        if (query.ruleId() != null) {
            sql.append(" AND rule_id = :rule");
        }
        if (query.from() != null) {
            sql.append(" AND created_at >= :from");
        }
        if (query.to() != null) {
            sql.append(" AND created_at < :to");
        }
        if (query.before() != null) {
            sql.append(" AND (created_at < :bt OR (created_at = :bt AND id < :bid))");
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT :limit");
        return jdbi.withHandle(handle -> {
            Query q = handle.createQuery(sql.toString()).bind("limit", query.limit());
            for (AlarmStatus status : query.statuses()) {
                q.bind("c" + status.ordinal(), status.cleared()).bind("a" + status.ordinal(), status.acknowledged());
            }
            if (!query.severities().isEmpty()) {
                q.bindList(
                        "severities",
                        query.severities().stream().map(Severity::wireName).toList());
            }
            if (query.device() != null) {
                q.bind("device", query.device().value());
            }
            if (query.ruleId() != null) {
                q.bind("rule", query.ruleId());
            }
            if (query.from() != null) {
                q.bind("from", query.from().toEpochMilli());
            }
            if (query.to() != null) {
                q.bind("to", query.to().toEpochMilli());
            }
            if (query.before() != null) {
                q.bind("bt", query.before().createdAt().toEpochMilli())
                        .bind("bid", query.before().id());
            }
            return q.map((rs, ctx) -> alarm(rs)).list();
        });
    }

    @Override
    public List<AlarmEvent> history(String id) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT alarm_id, at, kind, actor, comment FROM alarm_events WHERE alarm_id = :id ORDER BY at")
                .bind("id", id)
                .map((rs, ctx) -> new AlarmEvent(
                        rs.getString("alarm_id"),
                        Instant.ofEpochMilli(rs.getLong("at")),
                        AlarmEvent.Kind.valueOf(rs.getString("kind").toUpperCase(java.util.Locale.ROOT)),
                        rs.getString("actor"),
                        rs.getString("comment")))
                .list());
    }

    @Override
    public Alarm acknowledge(String id, String actor, String comment, Instant at) {
        return writes.inTransaction(handle -> {
            Alarm alarm = find(handle, id).orElseThrow(() -> new AlarmNotFoundException(id));
            if (alarm.status().acknowledged()) {
                return alarm;
            }
            handle.createUpdate("UPDATE alarms SET acknowledged = :t, acknowledged_at = :at, acknowledged_by = :by, "
                            + "updated_at = :at WHERE id = :id")
                    .bind("t", true)
                    .bind("at", at.toEpochMilli())
                    .bind("by", actor)
                    .bind("id", id)
                    .execute();
            event(handle, id, at, AlarmEvent.Kind.ACKNOWLEDGED, actor, comment);
            return find(handle, id).orElseThrow();
        });
    }

    @Override
    public Alarm clear(String id, String actor, String comment, Instant at) {
        return writes.inTransaction(handle -> {
            Alarm alarm = find(handle, id).orElseThrow(() -> new AlarmNotFoundException(id));
            if (alarm.status().cleared()) {
                return alarm;
            }
            markCleared(handle, id, actor, at);
            event(handle, id, at, AlarmEvent.Kind.CLEARED, actor, comment);
            return find(handle, id).orElseThrow();
        });
    }

    static void markCleared(Handle handle, String id, String actor, Instant at) {
        handle.createUpdate("UPDATE alarms SET cleared = :t, cleared_at = :at, cleared_by = :by, updated_at = :at "
                        + "WHERE id = :id")
                .bind("t", true)
                .bind("at", at.toEpochMilli())
                .bind("by", actor)
                .bind("id", id)
                .execute();
    }

    @Override
    public void touch(List<Touch> touches) {
        writes.useTransaction(handle -> {
            for (Touch touch : touches) {
                var update = handle.createUpdate("UPDATE alarms SET count = count + :n, last_num = :num, "
                                + "last_bool = :bool, last_str = :str, last_time = :lt, updated_at = :lt "
                                + "WHERE rule_id = :r AND device_id = :d AND NOT cleared")
                        .bind("n", touch.repeats())
                        .bind("lt", touch.lastTime().toEpochMilli())
                        .bind("r", touch.ruleId())
                        .bind("d", touch.device().value());
                bindValue(update, touch.lastValue());
                update.execute();
            }
        });
    }

    @Override
    public Map<Severity, Long> activeCounts() {
        Map<Severity, Long> counts = new EnumMap<>(Severity.class);
        jdbi.useHandle(handle -> handle.createQuery(
                        "SELECT severity, COUNT(*) AS n FROM alarms WHERE NOT cleared GROUP BY severity")
                .map((rs, ctx) -> Map.entry(Severity.fromWire(rs.getString("severity")), rs.getLong("n")))
                .forEach(e -> counts.put(e.getKey(), e.getValue())));
        return counts;
    }

    static void event(Handle handle, String id, Instant at, AlarmEvent.Kind kind, String actor, String comment) {
        handle.createUpdate(
                        "INSERT INTO alarm_events (alarm_id, at, kind, actor, comment) VALUES (:id, :at, :k, :a, :c)")
                .bind("id", id)
                .bind("at", at.toEpochMilli())
                .bind("k", kind.wireName())
                .bind("a", actor)
                .bind("c", comment)
                .execute();
    }

    /** Binds {@code :num}, {@code :bool}, {@code :str}: the one the value is, the others null. */
    static void bindValue(org.jdbi.v3.core.statement.SqlStatement<?> statement, Value value) {
        statement
                .bindNull("num", java.sql.Types.DOUBLE)
                .bindNull("bool", java.sql.Types.BOOLEAN)
                .bindNull("str", java.sql.Types.VARCHAR);
        if (value instanceof Value.Num n) {
            statement.bind("num", n.value());
        } else if (value instanceof Value.Bool b) {
            statement.bind("bool", b.value());
        } else if (value instanceof Value.Text t) {
            statement.bind("str", t.value());
        }
    }

    static Alarm alarm(ResultSet rs) throws SQLException {
        return new Alarm(
                rs.getString("id"),
                rs.getString("rule_id"),
                DeviceId.of(rs.getString("device_id")),
                Severity.fromWire(rs.getString("severity")),
                AlarmStatus.of(rs.getBoolean("cleared"), rs.getBoolean("acknowledged")),
                rs.getString("message"),
                rs.getLong("count"),
                rs.getString("firing_id"),
                lastValue(rs),
                instant(rs, "last_time"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")),
                instant(rs, "acknowledged_at"),
                rs.getString("acknowledged_by"),
                instant(rs, "cleared_at"),
                rs.getString("cleared_by"));
    }

    private static Value lastValue(ResultSet rs) throws SQLException {
        rs.getDouble("last_num");
        boolean noNum = rs.wasNull();
        rs.getBoolean("last_bool");
        boolean noBool = rs.wasNull();
        if (noNum && noBool && rs.getString("last_str") == null) {
            return null;
        }
        return SqlTelemetryStore.value(rs, "last_");
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
