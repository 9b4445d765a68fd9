package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DevicePatch;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.FailedAuthentications;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.JobReport;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.http.DdiSettings;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * hawkBit's Direct Device Integration API ({@code /{tenant}/controller/v1/{controllerId}}), which
 * SWUpdate's suricatta mode, RAUC's hawkbit updater and Zephyr's hawkbit client speak: a device polls,
 * finds its deployment (its job, under a numeric action id) or a cancel, downloads the release's
 * artifact (with Range), and posts feedback, which moves its job.
 *
 * <p>Feedback to job states: {@code proceeding} is {@code downloading} until a detail says a chunk
 * was installed ({@code installing}); {@code closed} with {@code success} completes the job, with
 * {@code failure} fails it with the device's details as the reason. The action stays offered
 * until a closed feedback: SWUpdate reports success only after the reboot into the new image.
 */
public final class DdiRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FEEDBACK = 64 * 1024;

    private final Rollouts rollouts;
    private final Firmwares firmwares;
    private final DeviceRegistry registry;
    private final FailedAuthentications failed;
    private final DdiSettings settings;
    private final Downloads downloads;
    /**
     * The error lines a device sent with its progress, by action. SWUpdate sends its log as the
     * details of "proceeding" feedback, and whether an error (HASH mismatch) comes there or with the
     * closing feedback ("No suitable .swu image found") depends on timing; a failed job's reason
     * has both. Kept for the last 500 actions, in memory.
     */
    private final Map<Long, List<String>> errors =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, List<String>> eldest) {
                    return size() > 500;
                }
            });
    /** SHA-1 and MD5 of each image, by SHA-256: DDI clients check them, the repository keeps SHA-256 only. */
    private final Map<String, String[]> legacyHashes = new ConcurrentHashMap<>();

    public DdiRoutes(
            Rollouts rollouts,
            Firmwares firmwares,
            DeviceRegistry registry,
            FailedAuthentications failed,
            DdiSettings settings,
            Downloads downloads) {
        this.downloads = downloads;
        this.rollouts = rollouts;
        this.firmwares = firmwares;
        this.registry = registry;
        this.failed = failed;
        this.settings = settings;
    }

    /** {@code GET /{tenant}/controller/v1/{controllerId}}: the polling interval and what there is to do. */
    public void poll(Context ctx) {
        DeviceId device = authenticated(ctx);
        String base = base(ctx, device);
        ObjectNode reply = JSON.createObjectNode();
        reply.putObject("config").putObject("polling").put("sleep", settings.sleep());
        ObjectNode links = reply.putObject("_links");
        Optional<Rollouts.Poll> poll = rollouts.poll(device);
        poll.ifPresent(p -> {
            if (p.offer() != null) {
                link(
                        links,
                        "deploymentBase",
                        base + "/deploymentBase/" + p.actionId() + "?c="
                                + p.offer().job().id());
            } else {
                link(links, "cancelAction", base + "/cancelAction/" + p.actionId());
            }
        });
        link(links, "configData", base + "/configData");
        ctx.json(reply);
    }

    /** {@code GET …/deploymentBase/{actionId}}: the release as one chunk with its artifact. */
    public void deployment(Context ctx) throws IOException {
        DeviceId device = authenticated(ctx);
        long actionId = actionId(ctx);
        DeviceJob job = rollouts.jobOfAction(device, actionId);
        Optional<Rollouts.Poll> poll = rollouts.poll(device);
        if (poll.isEmpty()
                || poll.get().offer() == null
                || !poll.get().offer().job().id().equals(job.id())) {
            throw new ApiException(
                    404, "no-deployment", "No deployment", "action " + actionId + " is not offered to " + device);
        }
        Firmware firmware = poll.get().offer().firmware();
        String[] hashes = legacyHashes(firmware);
        String artifact = base(ctx, device) + "/softwaremodules/" + firmware.id() + "/artifacts/" + firmware.filename();
        ObjectNode reply = JSON.createObjectNode();
        reply.put("id", Long.toString(actionId));
        ObjectNode deployment = reply.putObject("deployment");
        deployment.put("download", "forced");
        deployment.put("update", "forced");
        ObjectNode chunk = deployment.putArray("chunks").addObject();
        chunk.put("part", "os");
        chunk.put("version", firmware.version());
        chunk.put("name", firmware.model());
        ObjectNode file = chunk.putArray("artifacts").addObject();
        file.put("filename", firmware.filename());
        ObjectNode fileHashes = file.putObject("hashes");
        fileHashes.put("sha1", hashes[0]);
        fileHashes.put("md5", hashes[1]);
        fileHashes.put("sha256", firmware.sha256());
        file.put("size", firmware.size());
        ObjectNode fileLinks = file.putObject("_links");
        link(fileLinks, "download", artifact);
        link(fileLinks, "download-http", artifact);
        link(fileLinks, "md5sum", artifact + ".MD5SUM");
        link(fileLinks, "md5sum-http", artifact + ".MD5SUM");
        ctx.json(reply);
    }

    /** {@code POST …/deploymentBase/{actionId}/feedback}. */
    public void feedback(Context ctx) {
        DeviceId device = authenticated(ctx);
        long actionId = actionId(ctx);
        DeviceJob job = rollouts.jobOfAction(device, actionId);
        JsonNode status = body(ctx).path("status");
        String execution = status.path("execution").asText("");
        String finished = status.at("/result/finished").asText("none");
        String details = details(status.path("details"));
        if (execution.equals("proceeding")) {
            for (JsonNode line : status.path("details")) {
                String text = line.asText().trim();
                if (text.startsWith("ERROR")) {
                    List<String> lines = errors.computeIfAbsent(actionId, id -> new java.util.ArrayList<>());
                    if (lines.size() < 10 && !lines.contains(text)) {
                        lines.add(text);
                    }
                }
            }
        }
        JsonNode progress = status.at("/result/progress");
        Integer percent = progress.has("of") && progress.path("of").asInt() > 0
                ? Math.min(
                        100,
                        progress.path("cnt").asInt() * 100 / progress.path("of").asInt())
                : null;
        JobStatus next = switch (execution) {
            case "closed" -> "success".equals(finished) ? JobStatus.COMPLETED : JobStatus.FAILED;
            case "proceeding", "resumed", "scheduled" ->
                details.contains("Installed")
                        ? JobStatus.INSTALLING
                        : job.status() == JobStatus.PENDING ? JobStatus.DOWNLOADING : job.status();
            case "download" -> JobStatus.DOWNLOADING;
            case "downloaded" -> JobStatus.VERIFYING;
            case "canceled", "rejected" -> null; // about a cancel, which has its own feedback resource
            default ->
                throw ApiException.badRequest(
                        "status.execution must be closed, proceeding, canceled, scheduled, rejected, resumed, download or"
                                + " downloaded");
        };
        if (next != null && next.reportable() && (next != job.status() || percent != null || next.terminal())) {
            rollouts.report(
                    device,
                    new JobReport(
                            job.id(),
                            next,
                            next == JobStatus.COMPLETED ? Integer.valueOf(100) : percent,
                            next == JobStatus.FAILED ? failure(actionId, details) : null));
        }
        if (next != null && next.terminal()) {
            errors.remove(actionId);
        }
        ctx.status(200);
    }

    /** The errors the device reported on the way, then its closing details. */
    private String failure(long actionId, String details) {
        List<String> lines = new java.util.ArrayList<>(errors.getOrDefault(actionId, List.of()));
        if (!details.isEmpty()) {
            lines.add(details);
        }
        return lines.isEmpty() ? "the device reported failure" : String.join("; ", lines);
    }

    /** {@code GET …/cancelAction/{actionId}}: the cancel the device is to confirm. */
    public void cancel(Context ctx) {
        DeviceId device = authenticated(ctx);
        long actionId = actionId(ctx);
        DeviceJob job = rollouts.jobOfAction(device, actionId);
        if (job.status() != JobStatus.CANCELED) {
            throw new ApiException(404, "no-cancel", "No cancel", "action " + actionId + " is not canceled");
        }
        ObjectNode reply = JSON.createObjectNode();
        reply.put("id", Long.toString(actionId));
        reply.putObject("cancelAction").put("stopId", Long.toString(actionId));
        ctx.json(reply);
    }

    /** {@code POST …/cancelAction/{actionId}/feedback}: the device stopped (closed, canceled) or could not (rejected). */
    public void cancelFeedback(Context ctx) {
        DeviceId device = authenticated(ctx);
        long actionId = actionId(ctx);
        JsonNode status = body(ctx).path("status");
        String execution = status.path("execution").asText("");
        if (!execution.equals("rejected")) {
            rollouts.acknowledgeCancel(device, actionId, details(status.path("details")));
        }
        ctx.status(200);
    }

    /** {@code PUT …/configData}: the device's identify attributes, merged into its metadata. */
    public void configData(Context ctx) {
        DeviceId device = authenticated(ctx);
        JsonNode body = body(ctx);
        JsonNode data = body.path("data");
        if (!data.isObject() || data.size() > 64) {
            throw ApiException.badRequest("data must be an object of at most 64 attributes");
        }
        String mode = body.path("mode").asText("merge");
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (mode.equals("replace")) {
            registry.get(device.value()).metadata().keySet().forEach(key -> metadata.put(key, null));
        }
        data.fields().forEachRemaining(e -> {
            String value = e.getValue().asText();
            if (e.getKey().length() > 128 || value.length() > 1024) {
                throw ApiException.badRequest("attribute names are at most 128 and values 1,024 characters");
            }
            metadata.put(e.getKey(), mode.equals("remove") ? null : value);
        });
        registry.update(device.value(), DevicePatch.of(Map.of("metadata", metadata)));
        ctx.status(200);
    }

    /** {@code GET|HEAD …/softwaremodules/{module}/artifacts/{filename}}, whole or by range; {@code .MD5SUM} too. */
    public void artifact(Context ctx) throws IOException {
        DeviceId device = authenticated(ctx);
        String filename = ctx.pathParam("filename");
        Firmwares.Image image = rollouts.imageOfRelease(device, ctx.pathParam("module"));
        Firmware firmware = image.firmware();
        if (filename.equals(firmware.filename() + ".MD5SUM")) {
            ctx.contentType("text/plain").result(legacyHashes(firmware)[1] + "  " + firmware.filename() + "\n");
            return;
        }
        if (!filename.equals(firmware.filename())) {
            throw new ApiException(404, "no-artifact", "No artifact", "no artifact '" + filename + "' in this release");
        }
        FirmwareRoutes.serve(ctx, image, downloads);
    }

    private DeviceId authenticated(Context ctx) {
        if (!ctx.pathParam("tenant").equalsIgnoreCase(settings.tenant())) {
            throw new ApiException(
                    404,
                    "unknown-tenant",
                    "Unknown tenant",
                    "no tenant '" + Params.abbreviate(ctx.pathParam("tenant")) + "'");
        }
        String id = ctx.pathParam("controllerId");
        String header = ctx.header("Authorization");
        String scheme = header == null || header.indexOf(' ') < 0 ? "" : header.substring(0, header.indexOf(' '));
        String token = header == null || scheme.isEmpty()
                ? null
                : header.substring(scheme.length() + 1).trim();
        boolean ok = false;
        if (DeviceId.isValid(id) && token != null) {
            if (scheme.equalsIgnoreCase("TargetToken")) {
                ok = registry.authenticate(DeviceId.of(id), token).isPresent();
            } else if (scheme.equalsIgnoreCase("GatewayToken")
                    && !settings.gatewayToken().isEmpty()) {
                ok = MessageDigest.isEqual(
                                token.getBytes(StandardCharsets.UTF_8),
                                settings.gatewayToken().getBytes(StandardCharsets.UTF_8))
                        && registry.find(DeviceId.of(id)).isPresent();
            }
        }
        if (!ok) {
            if (token != null) {
                ApiException.throttleFailure(ctx, failed, "device tokens");
            }
            ctx.header("WWW-Authenticate", "TargetToken realm=\"edgeward\"");
            throw new ApiException(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    "send Authorization: TargetToken <the device's secret> (or GatewayToken <ota.ddi.gateway-token>)");
        }
        return DeviceId.of(id);
    }

    private static long actionId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("actionId"));
        } catch (NumberFormatException e) {
            throw new ApiException(404, "unknown-action", "Unknown action", "action ids are numbers");
        }
    }

    private static JsonNode body(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0 || bytes.length > MAX_FEEDBACK) {
            throw ApiException.badRequest("a JSON body of at most " + MAX_FEEDBACK + " bytes is required");
        }
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw ApiException.badRequest("the body must be a JSON object");
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("invalid JSON body");
        }
    }

    /** The device's details, joined; kept to what a job's reason holds. */
    private static String details(JsonNode details) {
        if (!details.isArray()) {
            return details.isTextual() ? details.asText().trim() : "";
        }
        List<String> lines = new java.util.ArrayList<>();
        for (JsonNode line : (ArrayNode) details) {
            String text = line.asText().trim();
            if (!text.isEmpty()) {
                lines.add(text);
            }
        }
        String joined = String.join("; ", lines);
        return joined.length() > DeviceJob.MAX_REASON ? joined.substring(0, DeviceJob.MAX_REASON) : joined;
    }

    /** Links are absolute, at the address the device used (DDI clients follow them as they are). */
    private String base(Context ctx, DeviceId device) {
        String host = Optional.ofNullable(ctx.header("Host")).orElse("localhost:" + ctx.port());
        return ctx.scheme() + "://" + host + "/" + ctx.pathParam("tenant") + "/controller/v1/" + device.value();
    }

    private static void link(ObjectNode links, String name, String href) {
        links.putObject(name).put("href", href);
    }

    private String[] legacyHashes(Firmware firmware) throws IOException {
        String[] known = legacyHashes.get(firmware.sha256());
        if (known != null) {
            return known;
        }
        Path file = firmwares.image(firmware.id()).file();
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha1.update(buffer, 0, n);
                md5.update(buffer, 0, n);
            }
            String[] hashes = {
                HexFormat.of().formatHex(sha1.digest()), HexFormat.of().formatHex(md5.digest())
            };
            legacyHashes.put(firmware.sha256(), hashes);
            return hashes;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
