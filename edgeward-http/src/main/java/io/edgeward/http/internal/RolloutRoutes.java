package io.edgeward.http.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.MaintenanceWindow;
import io.edgeward.core.ota.NewRollout;
import io.edgeward.core.ota.Rollout;
import io.edgeward.core.ota.RolloutTarget;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.ota.WavePlan;
import io.javalin.http.Context;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /api/v1/rollouts}: create (201), list and read with counts per wave and state, pause,
 * resume, approve the next wave, cancel; the jobs of a rollout and of a device.
 */
public final class RolloutRoutes {

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    /** Who an API change is attributed to: the admin token names no one. */
    private static final String BY = "api";

    private final Rollouts rollouts;
    private final ObjectMapper json;

    public RolloutRoutes(Rollouts rollouts, ObjectMapper json) {
        this.rollouts = rollouts;
        this.json = json;
    }

    record Group(
            @JsonProperty("percent") Integer percent,
            @JsonProperty("count") Integer count) {}

    record Waves(
            @JsonProperty("canary") Integer canary,
            @JsonProperty("groups") List<Group> groups,
            @JsonProperty("success_threshold") Integer successThreshold,
            @JsonProperty("error_threshold") Integer errorThreshold,
            @JsonProperty("auto_advance") Boolean autoAdvance) {}

    record Window(
            @JsonProperty("start") String start,
            @JsonProperty("end") String end,
            @JsonProperty("zone") String zone) {}

    record Request(
            @JsonProperty("name") String name,
            @JsonProperty("firmware_id") String firmwareId,
            @JsonProperty("devices") List<String> devices,
            @JsonProperty("tags") Set<String> tags,
            @JsonProperty("type") String type,
            @JsonProperty("model") String model,
            @JsonProperty("from_version") String fromVersion,
            @JsonProperty("waves") Waves waves,
            @JsonProperty("device_timeout") String deviceTimeout,
            @JsonProperty("maintenance_window") Window maintenanceWindow,
            @JsonProperty("dynamic") Boolean dynamic) {}

    public void create(Context ctx) {
        Request request = Bodies.read(json, ctx, Request.class);
        List<DeviceId> devices = new ArrayList<>();
        if (request.devices() != null) {
            for (String id : request.devices()) {
                if (id == null || !DeviceId.isValid(id)) {
                    throw ApiException.badRequest(
                            "devices: '" + Params.abbreviate(String.valueOf(id)) + "' is not a device id");
                }
                devices.add(DeviceId.of(id));
            }
        }
        NewRollout rollout = new NewRollout(
                request.name(),
                request.firmwareId(),
                new RolloutTarget(
                        devices,
                        request.tags(),
                        request.type() == null ? null : DeviceType.fromWire(request.type()),
                        request.model(),
                        request.fromVersion()),
                plan(request.waves()),
                request.deviceTimeout() == null ? null : Params.duration("device_timeout", request.deviceTimeout()),
                window(request.maintenanceWindow()),
                Boolean.TRUE.equals(request.dynamic()));
        Rollouts.Created created = rollouts.create(rollout, BY);
        Map<String, Object> body = viewWithCounts(created.rollout());
        body.put(
                "skipped",
                created.skipped().stream()
                        .map(s -> Map.of("device_id", s.device(), "reason", s.reason()))
                        .toList());
        ctx.status(201)
                .header("Location", "/api/v1/rollouts/" + created.rollout().id())
                .json(body);
    }

    private static WavePlan plan(Waves waves) {
        if (waves == null) {
            return null;
        }
        WavePlan defaults = WavePlan.DEFAULT;
        return new WavePlan(
                waves.canary() == null ? 0 : waves.canary(),
                waves.groups() == null
                        ? null
                        : waves.groups().stream()
                                .map(g -> new WavePlan.Group(g.percent(), g.count()))
                                .toList(),
                waves.successThreshold() == null ? defaults.successThreshold() : waves.successThreshold(),
                waves.errorThreshold() == null ? defaults.errorThreshold() : waves.errorThreshold(),
                waves.autoAdvance() == null || waves.autoAdvance());
    }

    private static MaintenanceWindow window(Window window) {
        if (window == null) {
            return null;
        }
        try {
            return new MaintenanceWindow(
                    LocalTime.parse(window.start()),
                    LocalTime.parse(window.end()),
                    ZoneId.of(window.zone() == null ? "UTC" : window.zone()));
        } catch (DateTimeException | NullPointerException e) {
            throw ApiException.badRequest(
                    "maintenance_window needs start and end as HH:MM and optionally a zone (Europe/Berlin): "
                            + e.getMessage());
        }
    }

    public void list(Context ctx) {
        int limit = ctx.queryParam("limit") == null
                ? DEFAULT_PAGE
                : Params.integer("limit", ctx.queryParam("limit"), 1, MAX_PAGE);
        ctx.json(Map.of(
                "rollouts",
                rollouts.list(limit).stream().map(this::viewWithCounts).toList()));
    }

    public void get(Context ctx) {
        ctx.json(viewWithCounts(rollouts.get(ctx.pathParam("id"))));
    }

    public void pause(Context ctx) {
        ctx.json(viewWithCounts(rollouts.pause(ctx.pathParam("id"), BY)));
    }

    public void resume(Context ctx) {
        ctx.json(viewWithCounts(rollouts.resume(ctx.pathParam("id"), BY)));
    }

    public void approve(Context ctx) {
        ctx.json(viewWithCounts(rollouts.approve(ctx.pathParam("id"), BY)));
    }

    public void cancel(Context ctx) {
        ctx.json(viewWithCounts(rollouts.cancel(ctx.pathParam("id"), BY)));
    }

    /** {@code ?status=&limit=&after=}: by device id; {@code next_after} is where the next page starts. */
    public void jobs(Context ctx) {
        String status = ctx.queryParam("status");
        String after = ctx.queryParam("after");
        int limit = ctx.queryParam("limit") == null
                ? DEFAULT_PAGE
                : Params.integer("limit", ctx.queryParam("limit"), 1, MAX_PAGE);
        List<DeviceJob> jobs = rollouts.jobs(
                ctx.pathParam("id"),
                status == null ? null : JobStatus.fromWire(status),
                limit,
                after == null || !DeviceId.isValid(after) ? null : DeviceId.of(after));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobs", jobs.stream().map(RolloutRoutes::view).toList());
        body.put(
                "next_after",
                jobs.size() < limit ? null : jobs.getLast().device().value());
        ctx.json(body);
    }

    /** {@code /api/v1/devices/{id}/ota/jobs}: the device's jobs, newest first. */
    public void deviceJobs(Context ctx) {
        DeviceId device = Params.device(ctx);
        int limit = ctx.queryParam("limit") == null
                ? DEFAULT_PAGE
                : Params.integer("limit", ctx.queryParam("limit"), 1, MAX_PAGE);
        ctx.json(Map.of(
                "jobs",
                rollouts.jobsOf(device, limit).stream().map(RolloutRoutes::view).toList()));
    }

    private Map<String, Object> viewWithCounts(Rollout rollout) {
        Map<String, Object> view = view(rollout);
        Map<String, Integer> total = new LinkedHashMap<>();
        List<Map<String, Object>> waves = new ArrayList<>();
        int all = 0;
        for (Map.Entry<Integer, Map<JobStatus, Integer>> wave :
                rollouts.counts(rollout.id()).entrySet()) {
            Map<String, Integer> states = new LinkedHashMap<>();
            int size = 0;
            for (JobStatus status : JobStatus.values()) {
                int n = wave.getValue().getOrDefault(status, 0);
                if (n > 0) {
                    states.put(status.wireName(), n);
                    total.merge(status.wireName(), n, Integer::sum);
                    size += n;
                }
            }
            all += size;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("wave", wave.getKey());
            entry.put("devices", size);
            entry.put("states", states);
            waves.add(entry);
        }
        view.put("devices", all);
        view.put("states", total);
        view.put("wave_counts", waves);
        return view;
    }

    static Map<String, Object> view(Rollout rollout) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", rollout.id());
        view.put("name", rollout.name());
        view.put("firmware_id", rollout.firmwareId());
        view.put("status", rollout.status().wireName());
        view.put("current_wave", rollout.currentWave());
        view.put("waves", rollout.waves());
        view.put("reason", rollout.reason());
        RolloutTarget target = rollout.target();
        Map<String, Object> targetView = new LinkedHashMap<>();
        targetView.put("devices", target.devices().stream().map(DeviceId::value).toList());
        targetView.put("tags", target.tags().stream().sorted().toList());
        targetView.put("type", target.type() == null ? null : target.type().wireName());
        targetView.put("model", target.model());
        targetView.put("from_version", target.fromVersion());
        view.put("target", targetView);
        WavePlan plan = rollout.plan();
        Map<String, Object> planView = new LinkedHashMap<>();
        planView.put("canary", plan.canary());
        planView.put(
                "groups",
                plan.groups().stream()
                        .map(g -> g.percent() != null ? Map.of("percent", g.percent()) : Map.of("count", g.count()))
                        .toList());
        planView.put("success_threshold", plan.successThreshold());
        planView.put("error_threshold", plan.errorThreshold());
        planView.put("auto_advance", plan.autoAdvance());
        view.put("plan", planView);
        view.put("device_timeout", io.edgeward.core.time.Durations.format(rollout.deviceTimeout()));
        MaintenanceWindow window = rollout.maintenanceWindow();
        view.put(
                "maintenance_window",
                window == null
                        ? null
                        : Map.of(
                                "start", window.start().toString(),
                                "end", window.end().toString(),
                                "zone", window.zone().getId()));
        view.put("dynamic", rollout.dynamic());
        view.put("created_by", rollout.createdBy());
        view.put("created_at", rollout.createdAt().toString());
        view.put("updated_at", rollout.updatedAt().toString());
        return view;
    }

    static Map<String, Object> view(DeviceJob job) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", job.id());
        view.put("rollout_id", job.rolloutId());
        view.put("device_id", job.device().value());
        view.put("wave", job.wave());
        view.put("status", job.status().wireName());
        view.put("progress", job.progress());
        view.put("reason", job.reason());
        view.put("from_version", job.fromVersion());
        view.put("offered_at", job.offeredAt() == null ? null : job.offeredAt().toString());
        view.put("updated_at", job.updatedAt().toString());
        view.put("deadline", job.deadline() == null ? null : job.deadline().toString());
        Map<String, String> steps = new LinkedHashMap<>();
        job.steps().entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .forEach(e -> steps.put(e.getKey().wireName(), e.getValue().toString()));
        view.put("steps", steps);
        return view;
    }
}
