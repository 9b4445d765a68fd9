package io.edgeward.http.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.FailedAuthentications;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.JobReport;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.OtaRefusedException;
import io.edgeward.core.ota.Rollouts;
import io.javalin.http.Context;
import java.io.IOException;

/**
 * {@code /ota/v1/jobs/{job}}: what a device on MQTT or plain HTTP uses for its job (a hawkBit
 * client has its own API). The device authenticates with its secret ({@code Authorization:
 * TargetToken <secret>}, as hawkBit's devices do, or {@code Bearer}), and only for its own job:
 * the job names the device, so another device's secret is refused, and so is a job that is over.
 */
public final class OtaDeviceRoutes {

    private final Rollouts rollouts;
    private final DeviceRegistry registry;
    private final FailedAuthentications failed;
    private final ObjectMapper json;
    private final Downloads downloads;

    public OtaDeviceRoutes(
            Rollouts rollouts,
            DeviceRegistry registry,
            FailedAuthentications failed,
            ObjectMapper json,
            Downloads downloads) {
        this.downloads = downloads;
        this.rollouts = rollouts;
        this.registry = registry;
        this.failed = failed;
        this.json = json;
    }

    record Progress(
            @JsonProperty("status") String status,
            @JsonProperty("progress") Integer progress,
            @JsonProperty("reason") String reason) {}

    /** {@code GET|HEAD /ota/v1/jobs/{job}/firmware}, whole or by byte range. */
    public void firmware(Context ctx) throws IOException {
        DeviceJob job = authenticated(ctx);
        FirmwareRoutes.serve(ctx, rollouts.imageFor(job.device(), job.id()), downloads);
    }

    /** {@code GET|HEAD /ota/v1/jobs/{job}/delta}: the delta from the version the device runs, by range too. */
    public void delta(Context ctx) throws IOException {
        DeviceJob job = authenticated(ctx);
        FirmwareRoutes.serveFile(ctx, rollouts.deltaFor(job.device(), job.id()), "delta.bsdiff", downloads);
    }

    /** {@code GET /ota/v1/jobs/{job}}: the job as the platform sees it. */
    public void job(Context ctx) {
        ctx.json(RolloutRoutes.view(authenticated(ctx)));
    }

    /** {@code POST /ota/v1/jobs/{job}/progress} with {@code {status, progress, reason}}. */
    public void progress(Context ctx) {
        DeviceJob job = authenticated(ctx);
        Progress body = Bodies.read(json, ctx, Progress.class);
        if (body.status() == null) {
            throw ApiException.badRequest("status is required");
        }
        DeviceJob moved = rollouts.report(
                job.device(),
                new JobReport(job.id(), JobStatus.fromWire(body.status()), body.progress(), body.reason()));
        ctx.json(RolloutRoutes.view(moved));
    }

    /** The job, when the request carries its device's secret; 401 otherwise (an unknown job alike). */
    private DeviceJob authenticated(Context ctx) {
        String header = ctx.header("Authorization");
        String secret = null;
        if (header != null) {
            int space = header.indexOf(' ');
            String scheme = space < 0 ? "" : header.substring(0, space);
            if (scheme.equalsIgnoreCase("TargetToken") || scheme.equalsIgnoreCase("Bearer")) {
                secret = header.substring(space + 1).trim();
            }
        }
        DeviceJob job;
        try {
            job = rollouts.job(ctx.pathParam("job"));
        } catch (OtaRefusedException e) {
            job = null;
        }
        if (secret == null
                || job == null
                || registry.authenticate(job.device(), secret).isEmpty()) {
            if (secret != null) {
                ApiException.throttleFailure(ctx, failed, "device secrets");
            }
            ctx.header("WWW-Authenticate", "TargetToken realm=\"edgeward\"");
            throw new ApiException(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    "send Authorization: TargetToken <the secret of the device the job is for>");
        }
        return job;
    }
}
