package io.edgeward.store.sql.internal;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.MaintenanceWindow;
import io.edgeward.core.ota.Rollout;
import io.edgeward.core.ota.RolloutRepository;
import io.edgeward.core.ota.RolloutStatus;
import io.edgeward.core.ota.RolloutTarget;
import io.edgeward.core.ota.WavePlan;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/** Rollouts (their fixed definition as one JSON document) and device jobs. */
public final class SqlRolloutRepository implements RolloutRepository {

    private static final String ROLLOUT = "id, name, firmware_id, definition, status, current_wave, waves, reason, "
            + "created_by, created_at, updated_at";
    private static final String JOB =
            "id, rollout_id, device_id, wave, status, progress, reason, from_version, offered_at, updated_at, deadline, steps";
    private static final String INSERT_JOB =
            "INSERT INTO ota_jobs (" + JOB + ") VALUES (:id, :rollout, :device, :wave, "
                    + ":status, :progress, :reason, :from, :offered, :updated, :deadline, :steps)";
    private static final String UPDATE_JOB = "UPDATE ota_jobs SET status = :status, progress = :progress, "
            + "reason = :reason, offered_at = :offered, updated_at = :updated, deadline = :deadline, steps = :steps "
            + "WHERE id = :id";
    private static final List<String> OVER =
            List.of(RolloutStatus.FINISHED.wireName(), RolloutStatus.CANCELED.wireName());
    private static final List<String> JOB_OVER = List.of(
            JobStatus.COMPLETED.wireName(),
            JobStatus.FAILED.wireName(),
            JobStatus.ROLLED_BACK.wireName(),
            JobStatus.CANCELED.wireName());
    /** Ids bound per IN list (SQLite allows 32,766 variables; PostgreSQL 65,535). */
    private static final int IN_CHUNK = 500;

    private final Jdbi jdbi;
    private final Writes writes;

    public SqlRolloutRepository(Jdbi jdbi, Writes writes) {
        this.jdbi = jdbi;
        this.writes = writes;
    }

    @Override
    public void insert(Rollout rollout, List<DeviceJob> jobs) {
        writes.useTransaction(handle -> {
            handle.createUpdate("INSERT INTO rollouts (" + ROLLOUT + ") VALUES (:id, :name, :firmware, :definition, "
                            + ":status, :wave, :waves, :reason, :by, :created, :updated)")
                    .bind("id", rollout.id())
                    .bind("name", rollout.name())
                    .bind("firmware", rollout.firmwareId())
                    .bind("definition", Json.write(definition(rollout)))
                    .bind("status", rollout.status().wireName())
                    .bind("wave", rollout.currentWave())
                    .bind("waves", rollout.waves())
                    .bind("reason", rollout.reason())
                    .bind("by", rollout.createdBy())
                    .bind("created", rollout.createdAt().toEpochMilli())
                    .bind("updated", rollout.updatedAt().toEpochMilli())
                    .execute();
            insertJobs(handle, jobs);
        });
    }

    @Override
    public void addJobs(List<DeviceJob> jobs) {
        writes.useTransaction(handle -> insertJobs(handle, jobs));
    }

    private static void insertJobs(Handle handle, List<DeviceJob> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch(INSERT_JOB);
        for (DeviceJob job : jobs) {
            bindJob(batch, job)
                    .bind("rollout", job.rolloutId())
                    .bind("device", job.device().value())
                    .bind("wave", job.wave())
                    .bind("from", job.fromVersion())
                    .add();
        }
        batch.execute();
    }

    private static PreparedBatch bindJob(PreparedBatch batch, DeviceJob job) {
        return batch.bind("id", job.id())
                .bind("status", job.status().wireName())
                .bind("progress", job.progress())
                .bind("reason", job.reason())
                .bind("offered", millis(job.offeredAt()))
                .bind("updated", job.updatedAt().toEpochMilli())
                .bind("deadline", millis(job.deadline()))
                .bind("steps", Json.write(steps(job)));
    }

    @Override
    public Optional<Rollout> find(String id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + ROLLOUT + " FROM rollouts WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> rollout(rs))
                .findOne());
    }

    @Override
    public List<Rollout> list(int limit) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + ROLLOUT + " FROM rollouts ORDER BY created_at DESC, id DESC LIMIT :limit")
                .bind("limit", limit)
                .map((rs, ctx) -> rollout(rs))
                .list());
    }

    @Override
    public List<Rollout> unfinished() {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + ROLLOUT + " FROM rollouts WHERE status NOT IN (<over>) ORDER BY created_at")
                .bindList("over", OVER)
                .map((rs, ctx) -> rollout(rs))
                .list());
    }

    @Override
    public void update(Rollout rollout) {
        writes.useTransaction(
                handle -> handle.createUpdate("UPDATE rollouts SET status = :status, current_wave = :wave, "
                                + "reason = :reason, updated_at = :updated WHERE id = :id")
                        .bind("id", rollout.id())
                        .bind("status", rollout.status().wireName())
                        .bind("wave", rollout.currentWave())
                        .bind("reason", rollout.reason())
                        .bind("updated", rollout.updatedAt().toEpochMilli())
                        .execute());
    }

    @Override
    public Optional<DeviceJob> job(String id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + JOB + " FROM ota_jobs WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> job(rs))
                .findOne());
    }

    @Override
    public List<DeviceJob> jobs(String rolloutId, JobStatus status, int limit, DeviceId after) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery("SELECT " + JOB + " FROM ota_jobs WHERE rollout_id = :rollout"
                            + (status == null ? "" : " AND status = :status")
                            + (after == null ? "" : " AND device_id > :after")
                            + " ORDER BY device_id LIMIT :limit")
                    .bind("rollout", rolloutId)
                    .bind("limit", limit);
            if (status != null) {
                query.bind("status", status.wireName());
            }
            if (after != null) {
                query.bind("after", after.value());
            }
            return query.map((rs, ctx) -> job(rs)).list();
        });
    }

    @Override
    public List<DeviceJob> jobsOf(DeviceId device, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + JOB
                        + " FROM ota_jobs WHERE device_id = :device ORDER BY updated_at DESC, id LIMIT :limit")
                .bind("device", device.value())
                .bind("limit", limit)
                .map((rs, ctx) -> job(rs))
                .list());
    }

    @Override
    public Optional<DeviceJob> activeJob(DeviceId device) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT " + JOB + " FROM ota_jobs WHERE device_id = :device "
                                + "AND status NOT IN (<over>) AND status <> :scheduled ORDER BY offered_at DESC LIMIT 1")
                .bind("device", device.value())
                .bindList("over", JOB_OVER)
                .bind("scheduled", JobStatus.SCHEDULED.wireName())
                .map((rs, ctx) -> job(rs))
                .findOne());
    }

    @Override
    public void update(DeviceJob job) {
        updateAll(List.of(job));
    }

    @Override
    public void updateAll(List<DeviceJob> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        writes.useTransaction(handle -> {
            PreparedBatch batch = handle.prepareBatch(UPDATE_JOB);
            for (DeviceJob job : jobs) {
                bindJob(batch, job).add();
            }
            batch.execute();
        });
    }

    @Override
    public Map<Integer, Map<JobStatus, Integer>> counts(String rolloutId) {
        Map<Integer, Map<JobStatus, Integer>> counts = new TreeMap<>();
        jdbi.useHandle(handle -> handle.createQuery(
                        "SELECT wave, status, COUNT(*) AS n FROM ota_jobs WHERE rollout_id = :rollout GROUP BY wave, status")
                .bind("rollout", rolloutId)
                .map((rs, ctx) -> {
                    counts.computeIfAbsent(rs.getInt("wave"), w -> new EnumMap<>(JobStatus.class))
                            .put(status(rs.getString("status")), rs.getInt("n"));
                    return null;
                })
                .list());
        return counts;
    }

    @Override
    public List<DeviceJob> expired(Instant now, int limit) {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + JOB + " FROM ota_jobs WHERE deadline IS NOT NULL "
                                + "AND deadline < :now ORDER BY deadline LIMIT :limit")
                        .bind("now", now.toEpochMilli())
                        .bind("limit", limit)
                        .map((rs, ctx) -> job(rs))
                        .list());
    }

    @Override
    public Set<DeviceId> busy(Collection<DeviceId> devices) {
        Set<DeviceId> busy = new HashSet<>();
        List<String> ids = devices.stream().map(DeviceId::value).toList();
        for (int i = 0; i < ids.size(); i += IN_CHUNK) {
            List<String> chunk = ids.subList(i, Math.min(ids.size(), i + IN_CHUNK));
            jdbi.useHandle(handle -> handle.createQuery("SELECT DISTINCT j.device_id FROM ota_jobs j JOIN rollouts r "
                            + "ON r.id = j.rollout_id WHERE j.device_id IN (<ids>) AND j.status NOT IN (<over>) "
                            + "AND r.status NOT IN (<rolloutOver>)")
                    .bindList("ids", chunk)
                    .bindList("over", JOB_OVER)
                    .bindList("rolloutOver", OVER)
                    .mapTo(String.class)
                    .forEach(id -> busy.add(DeviceId.of(id))));
        }
        return busy;
    }

    @Override
    public Set<DeviceId> devicesOf(String rolloutId) {
        Set<DeviceId> devices = new HashSet<>();
        jdbi.useHandle(handle -> handle.createQuery("SELECT device_id FROM ota_jobs WHERE rollout_id = :rollout")
                .bind("rollout", rolloutId)
                .mapTo(String.class)
                .forEach(id -> devices.add(DeviceId.of(id))));
        return devices;
    }

    @Override
    public long actionId(String jobId) {
        Optional<Long> known = jdbi.withHandle(
                handle -> handle.createQuery("SELECT action_id FROM ota_jobs WHERE id = :id AND action_id IS NOT NULL")
                        .bind("id", jobId)
                        .mapTo(Long.class)
                        .findOne());
        if (known.isPresent()) {
            return known.get();
        }
        // Another node may take the same number at the same time; the unique index refuses the
        // second, which then reads what it got or takes the next one.
        for (int attempt = 0; ; attempt++) {
            try {
                writes.useTransaction(handle -> handle.createUpdate(
                                "UPDATE ota_jobs SET action_id = "
                                        + "(SELECT COALESCE(MAX(action_id), 0) + 1 FROM ota_jobs) WHERE id = :id AND action_id IS NULL")
                        .bind("id", jobId)
                        .execute());
                break;
            } catch (RuntimeException e) {
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
        return jdbi.withHandle(handle -> handle.createQuery("SELECT action_id FROM ota_jobs WHERE id = :id")
                .bind("id", jobId)
                .mapTo(Long.class)
                .one());
    }

    @Override
    public Optional<DeviceJob> jobOfAction(long actionId) {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + JOB + " FROM ota_jobs WHERE action_id = :action")
                        .bind("action", actionId)
                        .map((rs, ctx) -> job(rs))
                        .findOne());
    }

    @Override
    public Optional<DeviceJob> unacknowledgedCancel(DeviceId device) {
        return jdbi.withHandle(
                handle -> handle.createQuery("SELECT " + JOB + " FROM ota_jobs WHERE device_id = :device "
                                + "AND status = :canceled AND action_id IS NOT NULL AND cancel_acknowledged = 0 "
                                + "ORDER BY updated_at DESC LIMIT 1")
                        .bind("device", device.value())
                        .bind("canceled", JobStatus.CANCELED.wireName())
                        .map((rs, ctx) -> job(rs))
                        .findOne());
    }

    @Override
    public void acknowledgeCancel(String jobId) {
        writes.useTransaction(
                handle -> handle.createUpdate("UPDATE ota_jobs SET cancel_acknowledged = 1 WHERE id = :id")
                        .bind("id", jobId)
                        .execute());
    }

    @Override
    public boolean firmwareInUse(String firmwareId) {
        return jdbi.withHandle(handle -> handle.createQuery(
                                "SELECT COUNT(*) FROM rollouts WHERE firmware_id = :firmware AND status NOT IN (<over>)")
                        .bind("firmware", firmwareId)
                        .bindList("over", OVER)
                        .mapTo(Long.class)
                        .one())
                > 0;
    }

    private static Map<String, Object> definition(Rollout rollout) {
        Map<String, Object> target = new LinkedHashMap<>();
        RolloutTarget t = rollout.target();
        target.put("devices", t.devices().stream().map(DeviceId::value).toList());
        target.put("tags", List.copyOf(t.tags()));
        target.put("type", t.type() == null ? null : t.type().wireName());
        target.put("model", t.model());
        target.put("from_version", t.fromVersion());
        Map<String, Object> plan = new LinkedHashMap<>();
        WavePlan p = rollout.plan();
        plan.put("canary", p.canary());
        plan.put(
                "groups",
                p.groups().stream()
                        .map(g -> {
                            Map<String, Object> group = new LinkedHashMap<>();
                            group.put("percent", g.percent());
                            group.put("count", g.count());
                            return group;
                        })
                        .toList());
        plan.put("success_threshold", p.successThreshold());
        plan.put("error_threshold", p.errorThreshold());
        plan.put("auto_advance", p.autoAdvance());
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("target", target);
        definition.put("plan", plan);
        definition.put("device_timeout_ms", rollout.deviceTimeout().toMillis());
        MaintenanceWindow w = rollout.maintenanceWindow();
        definition.put(
                "maintenance_window",
                w == null
                        ? null
                        : Map.of(
                                "start",
                                w.start().toString(),
                                "end",
                                w.end().toString(),
                                "zone",
                                w.zone().getId()));
        definition.put("dynamic", rollout.dynamic());
        return definition;
    }

    @SuppressWarnings("unchecked")
    private static Rollout rollout(ResultSet rs) throws SQLException {
        Map<String, Object> definition = Json.readMap(rs.getString("definition"));
        Map<String, Object> target = (Map<String, Object>) definition.get("target");
        Map<String, Object> plan = (Map<String, Object>) definition.get("plan");
        Map<String, Object> window = (Map<String, Object>) definition.get("maintenance_window");
        List<WavePlan.Group> groups = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) plan.get("groups")) {
            groups.add(new WavePlan.Group(integer(group.get("percent")), integer(group.get("count"))));
        }
        return new Rollout(
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("firmware_id"),
                new RolloutTarget(
                        ((List<String>) target.get("devices"))
                                .stream().map(DeviceId::of).toList(),
                        Set.copyOf((List<String>) target.get("tags")),
                        target.get("type") == null ? null : DeviceType.fromWire((String) target.get("type")),
                        (String) target.get("model"),
                        (String) target.get("from_version")),
                new WavePlan(
                        integer(plan.get("canary")),
                        groups,
                        integer(plan.get("success_threshold")),
                        integer(plan.get("error_threshold")),
                        (Boolean) plan.get("auto_advance")),
                Duration.ofMillis(((Number) definition.get("device_timeout_ms")).longValue()),
                window == null
                        ? null
                        : new MaintenanceWindow(
                                LocalTime.parse((String) window.get("start")),
                                LocalTime.parse((String) window.get("end")),
                                ZoneId.of((String) window.get("zone"))),
                Boolean.TRUE.equals(definition.get("dynamic")),
                RolloutStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getInt("current_wave"),
                rs.getInt("waves"),
                rs.getString("reason"),
                rs.getString("created_by"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")));
    }

    private static DeviceJob job(ResultSet rs) throws SQLException {
        Map<JobStatus, Instant> steps = new EnumMap<>(JobStatus.class);
        Json.readMap(rs.getString("steps"))
                .forEach((k, v) -> steps.put(status(k), Instant.ofEpochMilli(((Number) v).longValue())));
        return new DeviceJob(
                rs.getString("id"),
                rs.getString("rollout_id"),
                DeviceId.of(rs.getString("device_id")),
                rs.getInt("wave"),
                status(rs.getString("status")),
                rs.getInt("progress"),
                rs.getString("reason"),
                rs.getString("from_version"),
                instant(rs, "offered_at"),
                Instant.ofEpochMilli(rs.getLong("updated_at")),
                instant(rs, "deadline"),
                steps);
    }

    private static Map<String, Long> steps(DeviceJob job) {
        Map<String, Long> steps = new LinkedHashMap<>();
        job.steps().entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .forEach(e -> steps.put(e.getKey().wireName(), e.getValue().toEpochMilli()));
        return steps;
    }

    private static JobStatus status(String wire) {
        return JobStatus.valueOf(wire.toUpperCase(Locale.ROOT));
    }

    private static Integer integer(Object value) {
        return value == null ? null : ((Number) value).intValue();
    }

    private static Long millis(Instant at) {
        return at == null ? null : at.toEpochMilli();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(value);
    }
}
