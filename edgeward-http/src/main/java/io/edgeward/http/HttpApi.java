package io.edgeward.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.edgeward.core.command.CommandNotFoundException;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceAlreadyExistsException;
import io.edgeward.core.device.DeviceNotFoundException;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.FailedAuthentications;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.ota.FirmwareConflictException;
import io.edgeward.core.ota.FirmwareCorruptException;
import io.edgeward.core.ota.FirmwareInUseException;
import io.edgeward.core.ota.FirmwareNotFoundException;
import io.edgeward.core.ota.FirmwareTooLargeException;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.OtaRefusedException;
import io.edgeward.core.ota.RolloutNotFoundException;
import io.edgeward.core.ota.RolloutStateException;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.processing.Processing;
import io.edgeward.core.retention.Retention;
import io.edgeward.core.rules.AlarmNotFoundException;
import io.edgeward.core.rules.InvalidRuleException;
import io.edgeward.core.rules.RuleConflictException;
import io.edgeward.core.rules.RuleNotFoundException;
import io.edgeward.core.rules.Rules;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.sync.Sync;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.http.internal.AlarmRoutes;
import io.edgeward.http.internal.AlarmStream;
import io.edgeward.http.internal.ApiException;
import io.edgeward.http.internal.CommandRoutes;
import io.edgeward.http.internal.DdiRoutes;
import io.edgeward.http.internal.DeviceRoutes;
import io.edgeward.http.internal.Downloads;
import io.edgeward.http.internal.EdgeConfigRoutes;
import io.edgeward.http.internal.FirmwareRoutes;
import io.edgeward.http.internal.LogRoutes;
import io.edgeward.http.internal.OtaDeviceRoutes;
import io.edgeward.http.internal.Problem;
import io.edgeward.http.internal.ProcessingRoutes;
import io.edgeward.http.internal.RetentionRoutes;
import io.edgeward.http.internal.RolloutRoutes;
import io.edgeward.http.internal.RuleRoutes;
import io.edgeward.http.internal.SeedMetricNames;
import io.edgeward.http.internal.ShadowRoutes;
import io.edgeward.http.internal.SyncRoutes;
import io.edgeward.http.internal.TelemetryRoutes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server. Every error leaves as {@code application/problem+json}; the mapping from
 * exceptions to statuses is the table in {@link #problemFor}.
 */
public final class HttpApi implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final long MAX_BODY = 64 * 1024;

    private final HttpSettings settings;
    private final RateLimitedLog errorLog = RateLimitedLog.perMinute();
    private final PrometheusMeterRegistry prometheus;
    private final List<ReadinessCheck> readiness;
    private final ObjectMapper json;
    private final DeviceRoutes devices;
    private final TelemetryRoutes telemetry;
    private final ShadowRoutes shadows;
    private final CommandRoutes commands;
    private final RetentionRoutes retention;
    private final ProcessingRoutes processing;
    private final RuleRoutes rules;
    private final AlarmRoutes alarms;
    private final AlarmStream alarmStream;
    private final FirmwareRoutes firmware;
    private final RolloutRoutes rollouts;
    private final SyncRoutes sync;
    private final EdgeConfigRoutes edgeConfigs;
    private final LogRoutes logs;
    private final OtaDeviceRoutes ota;
    private final DdiRoutes ddi;
    private final io.edgeward.core.ota.FirmwareSettings firmwareSettings;
    private final byte[] adminToken;
    private final List<String> routes = new ArrayList<>();
    private final FailedAuthentications failedAuthentications;
    private Javalin app;

    public HttpApi(
            HttpSettings settings,
            DeviceRegistry registry,
            TelemetryQueries queries,
            ShadowService shadows,
            CommandService commands,
            Retention retention,
            Processing processing,
            Rules rules,
            Firmwares firmwares,
            Rollouts rollouts,
            Sync sync,
            DeviceLogs logs,
            PrometheusMeterRegistry prometheus,
            List<ReadinessCheck> readiness,
            Clock clock) {
        this.settings = settings;
        this.prometheus = prometheus;
        this.readiness = List.copyOf(readiness);
        this.json = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
        this.devices = new DeviceRoutes(registry, json, sync);
        this.telemetry = new TelemetryRoutes(registry, queries, clock);
        this.shadows = new ShadowRoutes(shadows, json);
        this.commands = new CommandRoutes(commands, json);
        this.retention = new RetentionRoutes(retention);
        this.processing = new ProcessingRoutes(processing, json);
        this.rules = new RuleRoutes(rules, json);
        this.alarms = new AlarmRoutes(rules, json);
        this.alarmStream = new AlarmStream(json);
        this.firmware = new FirmwareRoutes(firmwares);
        this.firmwareSettings = firmwares.settings();
        rules.addAlarmListener(alarmStream::changed);
        this.adminToken = settings.adminToken().getBytes(StandardCharsets.UTF_8);
        this.failedAuthentications = new FailedAuthentications("http", prometheus);
        this.rollouts = new RolloutRoutes(rollouts, json);
        this.sync = new SyncRoutes(sync, json, clock);
        this.edgeConfigs = new EdgeConfigRoutes(sync, json);
        this.logs = new LogRoutes(logs, registry);
        Downloads downloads = new Downloads(
                firmwares.settings().maxDownloadRate(), firmwares.settings().maxDownloads(), prometheus);
        this.ota = new OtaDeviceRoutes(rollouts, registry, failedAuthentications, json, downloads);
        this.ddi = new DdiRoutes(rollouts, firmwares, registry, failedAuthentications, settings.ddi(), downloads);
    }

    @Override
    public synchronized void start() {
        if (app != null) {
            return;
        }
        Javalin server = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = true;
            config.http.maxRequestSize = MAX_BODY;
            // Form uploads of firmware: parts past 1 MiB are spooled to the firmware directory, not memory.
            long maxImage = firmwareSettings.maxImageSize();
            config.jetty.multipartConfig.cacheDirectory(multipartDirectory().toString());
            config.jetty.multipartConfig.maxFileSize(maxImage, io.javalin.config.SizeUnit.BYTES);
            config.jetty.multipartConfig.maxTotalRequestSize(maxImage + (1 << 20), io.javalin.config.SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize(1, io.javalin.config.SizeUnit.MB);
            config.http.prefer405over404 = true;
            config.jsonMapper(new JavalinJackson(json, true));
        });
        MeterRegistry meters = prometheus;
        server.before("/api/*", this::authenticate);
        server.after(ctx -> Counter.builder("edgeward.http.requests")
                .description("HTTP requests, by method, route and status")
                .tag("method", ctx.method().name())
                .tag("route", ctx.endpointHandlerPath().isEmpty() ? "unmatched" : ctx.endpointHandlerPath())
                .tag("status", Integer.toString(ctx.statusCode()))
                .register(meters)
                .increment());

        route(server, HandlerType.GET, "/health", ctx -> ctx.json(Map.of("status", "UP")));
        route(server, HandlerType.GET, "/ready", this::ready);
        route(
                server,
                HandlerType.GET,
                "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(SeedMetricNames.apply(prometheus.scrape())));
        route(
                server,
                HandlerType.GET,
                "/openapi.yaml",
                ctx -> ctx.contentType("application/yaml").result(resource("openapi.yaml")));
        route(
                server,
                HandlerType.GET,
                "/",
                ctx -> ctx.contentType("text/html; charset=utf-8").result(resource("console.html")));
        // The console's chart library, vendored (uPlot 1.6.32, MIT, from npm): no CDN at run time.
        route(
                server,
                HandlerType.GET,
                "/console/uplot.js",
                ctx -> ctx.contentType("text/javascript; charset=utf-8")
                        .header("Cache-Control", "max-age=86400")
                        .result(resource("vendor/uplot/uPlot.iife.min.js")));
        route(
                server,
                HandlerType.GET,
                "/console/uplot.css",
                ctx -> ctx.contentType("text/css; charset=utf-8")
                        .header("Cache-Control", "max-age=86400")
                        .result(resource("vendor/uplot/uPlot.min.css")));
        route(server, HandlerType.POST, "/api/v1/devices", devices::create);
        route(server, HandlerType.GET, "/api/v1/devices", devices::list);
        route(server, HandlerType.GET, "/api/v1/devices/{id}", devices::get);
        route(server, HandlerType.PATCH, "/api/v1/devices/{id}", devices::update);
        route(server, HandlerType.DELETE, "/api/v1/devices/{id}", devices::delete);
        route(server, HandlerType.POST, "/api/v1/devices/{id}/rotate-credentials", devices::rotate);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/shadow", shadows::get);
        route(server, HandlerType.PATCH, "/api/v1/devices/{id}/shadow", shadows::update);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/shadow/history", shadows::history);
        route(server, HandlerType.POST, "/api/v1/devices/{id}/commands", commands::create);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/commands", commands::list);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/commands/{command_id}", commands::get);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/telemetry/latest", telemetry::latest);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/logs", logs::device);
        route(server, HandlerType.GET, "/api/v1/logs", logs::all);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/telemetry/metrics", telemetry::metrics);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/telemetry", telemetry::series);
        route(server, HandlerType.GET, "/api/v1/telemetry", telemetry::multi);
        route(server, HandlerType.GET, "/api/v1/retention", retention::get);
        route(server, HandlerType.GET, "/api/v1/processing", processing::get);
        route(server, HandlerType.PUT, "/api/v1/processing", processing::put);
        route(server, HandlerType.GET, "/api/v1/processing/versions", processing::versions);
        route(server, HandlerType.GET, "/api/v1/processing/stream", processing::stream);
        route(server, HandlerType.GET, "/api/v1/processing/consumers", processing::consumers);
        route(server, HandlerType.GET, "/api/v1/processing/consumers/{name}/records", processing::read);
        route(server, HandlerType.POST, "/api/v1/processing/consumers/{name}/ack", processing::acknowledge);
        route(server, HandlerType.POST, "/api/v1/processing/consumers/{name}/seek", processing::seek);
        route(server, HandlerType.GET, "/api/v1/rules", rules::list);
        route(server, HandlerType.POST, "/api/v1/rules", rules::create);
        route(server, HandlerType.POST, "/api/v1/rules/validate", rules::validate);
        route(server, HandlerType.POST, "/api/v1/rules/replay", rules::replay);
        route(server, HandlerType.GET, "/api/v1/rules/{id}", rules::get);
        route(server, HandlerType.PUT, "/api/v1/rules/{id}", rules::replace);
        route(server, HandlerType.DELETE, "/api/v1/rules/{id}", rules::delete);
        route(server, HandlerType.POST, "/api/v1/rules/{id}/enable", rules::enable);
        route(server, HandlerType.POST, "/api/v1/rules/{id}/disable", rules::disable);
        route(server, HandlerType.GET, "/api/v1/rules/{id}/versions", rules::versions);
        route(server, HandlerType.GET, "/api/v1/alarms", alarms::list);
        server.sse("/api/v1/alarms/events", alarmStream::connect);
        routes.add("GET /api/v1/alarms/events");
        route(server, HandlerType.GET, "/api/v1/alarms/{id}", alarms::get);
        route(server, HandlerType.POST, "/api/v1/alarms/{id}/ack", alarms::acknowledge);
        route(server, HandlerType.POST, "/api/v1/alarms/{id}/clear", alarms::clear);
        route(server, HandlerType.POST, "/api/v1/firmware", firmware::upload);
        route(server, HandlerType.GET, "/api/v1/firmware", firmware::list);
        route(server, HandlerType.GET, "/api/v1/firmware/signing-key", firmware::signingKey);
        route(server, HandlerType.GET, "/api/v1/firmware/{id}", firmware::get);
        route(server, HandlerType.DELETE, "/api/v1/firmware/{id}", firmware::delete);
        route(server, HandlerType.GET, "/api/v1/firmware/{id}/manifest", firmware::manifest);
        route(server, HandlerType.POST, "/api/v1/firmware/{id}/deltas", firmware::addDelta);
        route(server, HandlerType.GET, "/api/v1/firmware/{id}/deltas", firmware::deltas);
        route(server, HandlerType.GET, "/api/v1/firmware/{id}/content", firmware::content);
        route(server, HandlerType.HEAD, "/api/v1/firmware/{id}/content", firmware::content);
        route(server, HandlerType.POST, "/api/v1/rollouts", rollouts::create);
        route(server, HandlerType.GET, "/api/v1/rollouts", rollouts::list);
        route(server, HandlerType.GET, "/api/v1/rollouts/{id}", rollouts::get);
        route(server, HandlerType.POST, "/api/v1/rollouts/{id}/pause", rollouts::pause);
        route(server, HandlerType.POST, "/api/v1/rollouts/{id}/resume", rollouts::resume);
        route(server, HandlerType.POST, "/api/v1/rollouts/{id}/approve", rollouts::approve);
        route(server, HandlerType.POST, "/api/v1/rollouts/{id}/cancel", rollouts::cancel);
        route(server, HandlerType.GET, "/api/v1/rollouts/{id}/jobs", rollouts::jobs);
        route(server, HandlerType.GET, "/api/v1/devices/{id}/ota/jobs", rollouts::deviceJobs);
        route(server, HandlerType.GET, "/api/v1/sync", sync::status);
        route(server, HandlerType.GET, "/api/v1/sync/parked", sync::parked);
        route(server, HandlerType.POST, "/api/v1/sync/flush", sync::flush);
        route(server, HandlerType.POST, "/api/v1/sync/resync", sync::resync);
        route(server, HandlerType.GET, "/api/v1/sync/resync", sync::resyncProgress);
        route(server, HandlerType.POST, "/api/v1/sync/edges/{edge}/resync", sync::resyncEdge);
        route(server, HandlerType.GET, "/api/v1/sync/events", sync::events);
        route(server, HandlerType.GET, "/api/v1/sync/config", edgeConfigs::applied);
        route(server, HandlerType.GET, "/api/v1/sync/edges/{edge}/config", edgeConfigs::get);
        route(server, HandlerType.PUT, "/api/v1/sync/edges/{edge}/config", edgeConfigs::put);
        // Devices' own: authenticated by the device secret of the job, not the admin token.
        route(server, HandlerType.GET, "/ota/v1/jobs/{job}", ota::job);
        route(server, HandlerType.POST, "/ota/v1/jobs/{job}/progress", ota::progress);
        route(server, HandlerType.GET, "/ota/v1/jobs/{job}/firmware", ota::firmware);
        route(server, HandlerType.HEAD, "/ota/v1/jobs/{job}/firmware", ota::firmware);
        route(server, HandlerType.GET, "/ota/v1/jobs/{job}/delta", ota::delta);
        route(server, HandlerType.HEAD, "/ota/v1/jobs/{job}/delta", ota::delta);
        // hawkBit DDI, for SWUpdate, RAUC and Zephyr clients: authenticated by TargetToken/GatewayToken.
        String controller = "/{tenant}/controller/v1/{controllerId}";
        route(server, HandlerType.GET, controller, ddi::poll);
        route(server, HandlerType.PUT, controller + "/configData", ddi::configData);
        route(server, HandlerType.GET, controller + "/deploymentBase/{actionId}", ddi::deployment);
        route(server, HandlerType.POST, controller + "/deploymentBase/{actionId}/feedback", ddi::feedback);
        route(server, HandlerType.GET, controller + "/cancelAction/{actionId}", ddi::cancel);
        route(server, HandlerType.POST, controller + "/cancelAction/{actionId}/feedback", ddi::cancelFeedback);
        route(server, HandlerType.GET, controller + "/softwaremodules/{module}/artifacts/{filename}", ddi::artifact);
        route(server, HandlerType.HEAD, controller + "/softwaremodules/{module}/artifacts/{filename}", ddi::artifact);

        server.exception(Exception.class, (e, ctx) -> problem(ctx, problemFor(e, ctx)));
        server.error(404, ctx -> {
            if (!isProblem(ctx)) {
                problem(ctx, Problem.of(404, "not-found", "Not found", "no resource at " + ctx.path()));
            }
        });
        server.error(405, ctx -> {
            if (!isProblem(ctx)) {
                problem(
                        ctx,
                        Problem.of(
                                405,
                                "method-not-allowed",
                                "Method not allowed",
                                ctx.method() + " is not supported on " + ctx.path()));
            }
        });
        server.start(settings.bindAddress(), settings.port());
        app = server;
        LOG.info("HTTP API listening on {}:{}", settings.bindAddress(), server.port());
    }

    /** Where form uploads are spooled, beside the images (created here; Jetty deletes each part after the request). */
    private java.nio.file.Path multipartDirectory() {
        java.nio.file.Path directory = firmwareSettings.directory().resolve("multipart");
        try {
            java.nio.file.Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        return directory;
    }

    /** The routes this server answers, as "METHOD /path", for documentation checks. */
    public List<String> routes() {
        return List.copyOf(routes);
    }

    public int port() {
        return app == null ? -1 : app.port();
    }

    public synchronized void stop() {
        if (app != null) {
            app.stop();
            app = null;
            LOG.info("HTTP API stopped");
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void route(Javalin server, HandlerType method, String path, Handler handler) {
        server.addHttpHandler(method, path, handler);
        routes.add(method.name() + " " + path);
    }

    private void authenticate(Context ctx) {
        String header = ctx.header("Authorization");
        boolean ok = header != null
                && header.regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), adminToken);
        if (!ok && header != null) {
            // A wrong token, not a missing one (a browser's first request): repeated ones from one address get 429.
            ApiException.throttleFailure(ctx, failedAuthentications, "bearer tokens");
        }
        if (!ok) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"edgeward\"");
            throw new ApiException(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    header == null ? "send Authorization: Bearer <admin token>" : "the bearer token is not valid");
        }
    }

    private void ready(Context ctx) {
        Map<String, String> checks = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        for (ReadinessCheck check : readiness) {
            String problem = check.problem().get();
            checks.put(check.name(), problem == null ? "UP" : "DOWN");
            if (problem != null) {
                reasons.put(check.name(), problem);
            }
        }
        boolean allReady = reasons.isEmpty();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", allReady ? "UP" : "DOWN");
        body.put("checks", checks);
        if (!allReady) {
            body.put("reasons", reasons);
        }
        ctx.status(allReady ? 200 : 503).json(body);
    }

    /** The one table from exceptions to HTTP problems. */
    Problem problemFor(Exception e, Context ctx) {
        return switch (e) {
            case ApiException api -> api.problem();
            case DeviceNotFoundException notFound ->
                Problem.of(404, "device-not-found", "Device not found", notFound.getMessage());
            case DeviceAlreadyExistsException exists ->
                Problem.of(409, "device-exists", "Device already exists", exists.getMessage());
            case CommandNotFoundException notFound ->
                Problem.of(404, "command-not-found", "Command not found", notFound.getMessage());
            case RuleNotFoundException notFound ->
                Problem.of(404, "rule-not-found", "Rule not found", notFound.getMessage());
            case RuleConflictException conflict ->
                (conflict.expected() == 0
                                ? Problem.of(409, "rule-exists", "Rule exists", conflict.getMessage())
                                : Problem.of(
                                        409, "rule-version-conflict", "Rule version conflict", conflict.getMessage()))
                        .with(Map.of("current_version", conflict.current()));
            case InvalidRuleException invalid ->
                Problem.of(400, "invalid-rule", "Invalid rule", invalid.getMessage())
                        .with(Map.of("problems", invalid.problems()));
            case AlarmNotFoundException notFound ->
                Problem.of(404, "alarm-not-found", "Alarm not found", notFound.getMessage());
            case FirmwareNotFoundException notFound ->
                Problem.of(404, "firmware-not-found", "Firmware not found", notFound.getMessage());
            case FirmwareConflictException exists ->
                Problem.of(409, "firmware-exists", "Firmware version exists", exists.getMessage());
            case FirmwareTooLargeException tooLarge ->
                Problem.of(413, "firmware-too-large", "Firmware image too large", tooLarge.getMessage());
            case FirmwareInUseException inUse ->
                Problem.of(409, "firmware-in-use", "Firmware in use", inUse.getMessage());
            case RolloutNotFoundException notFound ->
                Problem.of(404, "rollout-not-found", "Rollout not found", notFound.getMessage());
            case RolloutStateException state ->
                Problem.of(409, "rollout-state", "Not allowed in the rollout's state", state.getMessage());
            case OtaRefusedException refused ->
                switch (refused.reason()) {
                    case UNKNOWN_JOB -> Problem.of(404, "job-not-found", "Job not found", refused.getMessage());
                    case NOT_YOURS -> Problem.of(403, "job-not-yours", "Not this device's job", refused.getMessage());
                    case OVER -> Problem.of(409, "job-over", "Job over", refused.getMessage());
                };
            case FirmwareCorruptException damaged ->
                Problem.of(500, "firmware-corrupt", "Firmware image damaged", damaged.getMessage());
            case ShadowException shadow ->
                switch (shadow.code()) {
                    case 404 -> Problem.of(404, "device-not-found", "Device not found", shadow.getMessage());
                    case 409 ->
                        Problem.of(409, "shadow-version-conflict", "Shadow version conflict", shadow.getMessage());
                    case 413 -> Problem.of(413, "shadow-too-large", "Shadow too large", shadow.getMessage());
                    case 503 -> Problem.of(503, "store-unavailable", "Store unavailable", shadow.getMessage());
                    default ->
                        Problem.of(400, "invalid-shadow-document", "Invalid shadow document", shadow.getMessage());
                };
            case IllegalArgumentException invalid ->
                Problem.of(400, "bad-request", "Bad request", invalid.getMessage());
            case HttpResponseException http ->
                Problem.of(http.getStatus(), "http-" + http.getStatus(), http.getMessage(), http.getMessage());
            default -> {
                if (errorLog.allow("http")) {
                    LOG.error("Unexpected failure answering {} {}", ctx.method(), ctx.path(), e);
                }
                yield Problem.of(
                        500,
                        "internal-error",
                        "Internal server error",
                        "the request failed on the server; the log has details");
            }
        };
    }

    private void problem(Context ctx, Problem problem) {
        ctx.status(problem.status()).contentType("application/problem+json");
        try {
            ctx.result(json.writeValueAsString(problem));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isProblem(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && type.startsWith("application/problem+json");
    }

    private static String resource(String name) {
        try (InputStream in = HttpApi.class.getResourceAsStream("/edgeward/http/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
