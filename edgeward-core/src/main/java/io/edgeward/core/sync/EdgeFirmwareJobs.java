package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareUpload;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.NewRollout;
import io.edgeward.core.ota.Rollout;
import io.edgeward.core.ota.RolloutTarget;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.ota.WavePlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At an edge: firmware jobs the cloud sends for devices behind it ({@code ota}), run here as a
 * rollout of one device named {@code cloud:<job>}, with the release's image fetched down the same
 * link ({@code firmware}: chunks, each an 8-byte offset and its bytes) into this node's repository
 * (signed there with this node's key, after its SHA-256 matched the cloud's). Every state the job
 * reaches goes back up ({@code ota_progress}). A fetch cut short resumes from what arrived when the
 * cloud offers the job again (it does each time this edge returns).
 */
public final class EdgeFirmwareJobs implements Downlink {

    /** The local rollout of a cloud job is named so. */
    static final String PREFIX = "cloud:";

    private static final Logger LOG = LoggerFactory.getLogger(EdgeFirmwareJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Rollouts rollouts;
    private final Firmwares firmwares;
    private final EdgeEvents events;
    private final Path incoming;
    private final RateLimitedLog refusals = RateLimitedLog.perMinute();
    /** Cloud release id → the release and the jobs waiting for its image (cloud job id → device). */
    private final Map<String, Fetch> fetching = new LinkedHashMap<>();

    private record Release(
            String id,
            String model,
            String version,
            String minVersion,
            String filename,
            long size,
            String sha256,
            String releaseNotes) {}

    private record Fetch(Release release, Map<String, DeviceId> jobs) {}

    public EdgeFirmwareJobs(Rollouts rollouts, Firmwares firmwares, EdgeEvents events) {
        this.rollouts = rollouts;
        this.firmwares = firmwares;
        this.events = events;
        this.incoming = firmwares.settings().directory().resolve("incoming");
        rollouts.addJobListener(this::moved);
    }

    /** Registers with what comes down from the cloud. */
    public void attach(EdgeDownlink downlink) {
        downlink.handle("ota", this);
        downlink.handle("firmware", this);
    }

    @Override
    public synchronized void received(String kind, String device, byte[] payload) {
        try {
            if (kind.equals("firmware")) {
                chunk(device, payload);
            } else {
                job(DeviceId.of(device), JSON.readTree(payload));
            }
        } catch (IOException | RuntimeException e) {
            if (refusals.allow(kind)) {
                LOG.warn(
                        "A firmware {} from the cloud not taken: {} (not logged again for a minute)",
                        kind,
                        e.toString());
            }
        }
    }

    private void job(DeviceId device, JsonNode document) throws IOException {
        String jobId = document.path("job_id").asText("");
        if (jobId.isEmpty()) {
            throw new IllegalArgumentException("a job without job_id");
        }
        Optional<Rollout> local = localRollout(jobId);
        if (document.path("withdrawn").asBoolean(false)) {
            fetching.values().forEach(fetch -> fetch.jobs().remove(jobId));
            local.filter(rollout -> !rollout.status().over())
                    .ifPresent(rollout -> rollouts.cancel(rollout.id(), "the cloud"));
            return;
        }
        if (local.isPresent()) {
            // Offered again (this edge came back): say where the job is, in case that report was lost.
            rollouts.jobs(local.get().id(), null, 1, null).stream()
                    .findFirst()
                    .filter(job -> job.status().reportable())
                    .ifPresent(this::moved);
            return;
        }
        Release release = release(document.path("firmware"));
        Optional<Firmware> have = firmwares.list(release.model()).stream()
                .filter(firmware -> firmware.version().equals(release.version()))
                .findFirst();
        if (have.isPresent()) {
            if (!have.get().sha256().equals(release.sha256())) {
                events.otaProgress(
                        device,
                        jobId,
                        "failed",
                        null,
                        "this edge holds another image of " + release.model() + " " + release.version());
                return;
            }
            start(jobId, device, have.get());
            return;
        }
        fetching.computeIfAbsent(release.id(), id -> new Fetch(release, new LinkedHashMap<>()))
                .jobs()
                .put(jobId, device);
        events.firmwareNeeded(release.id(), partial(release.id()));
    }

    private void chunk(String releaseId, byte[] payload) throws IOException {
        Fetch fetch = fetching.get(releaseId);
        if (fetch == null || payload.length < 8) {
            return; // not (or no longer) wanted: offered again, it is asked for again
        }
        ByteBuffer chunk = ByteBuffer.wrap(payload);
        long offset = chunk.getLong();
        Path part = part(releaseId);
        long have = partial(releaseId);
        if (offset != have || have + chunk.remaining() > fetch.release().size()) {
            return; // a gap or a repeat: what is missing is asked for again when the job is offered again
        }
        Files.createDirectories(incoming);
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.write(payload, 8, payload.length - 8);
        }
        if (partial(releaseId) == fetch.release().size()) {
            fetching.remove(releaseId);
            imported(fetch, part);
        }
    }

    /** The whole image arrived: checked, added to this node's repository, and its jobs started. */
    private void imported(Fetch fetch, Path part) throws IOException {
        Release release = fetch.release();
        try {
            String sha256 = sha256(part);
            if (!sha256.equals(release.sha256())) {
                fetch.jobs()
                        .forEach((job, device) -> events.otaProgress(
                                device,
                                job,
                                "failed",
                                null,
                                "the image's SHA-256 on arrival at the edge was " + sha256));
                return;
            }
            Firmware local;
            try (InputStream image = Files.newInputStream(part)) {
                local = firmwares.add(
                        new FirmwareUpload(
                                release.model(),
                                release.version(),
                                release.minVersion(),
                                release.filename(),
                                release.releaseNotes(),
                                Map.of("cloud_firmware_id", release.id()),
                                null),
                        image);
            }
            LOG.info("Release {} {} from the cloud added as {}", release.model(), release.version(), local.id());
            fetch.jobs().forEach((job, device) -> start(job, device, local));
        } catch (RuntimeException e) {
            fetch.jobs()
                    .forEach((job, device) -> events.otaProgress(
                            device, job, "failed", null, "the edge could not add the image: " + e.getMessage()));
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private void start(String jobId, DeviceId device, Firmware firmware) {
        try {
            Rollouts.Created created = rollouts.create(
                    new NewRollout(
                            PREFIX + jobId,
                            firmware.id(),
                            new RolloutTarget(List.of(device), null, null, null, null),
                            WavePlan.DEFAULT,
                            null,
                            null,
                            false),
                    "the cloud");
            created.skipped()
                    .forEach(skipped -> events.otaProgress(
                            device, jobId, "failed", null, "refused at the edge: " + skipped.reason()));
        } catch (RuntimeException e) {
            events.otaProgress(device, jobId, "failed", null, "refused at the edge: " + e.getMessage());
        }
    }

    /** The rollouts' job listener: a cloud job's state goes up. */
    private void moved(DeviceJob job) {
        Rollout rollout;
        try {
            rollout = rollouts.get(job.rolloutId());
        } catch (RuntimeException e) {
            return;
        }
        if (rollout.name() == null || !rollout.name().startsWith(PREFIX) || job.status() == JobStatus.CANCELED) {
            return;
        }
        events.otaProgress(
                job.device(),
                rollout.name().substring(PREFIX.length()),
                job.status().wireName(),
                job.progress(),
                job.reason());
    }

    private Optional<Rollout> localRollout(String jobId) {
        return rollouts.list(1000).stream()
                .filter(rollout -> (PREFIX + jobId).equals(rollout.name()))
                .findFirst();
    }

    private static Release release(JsonNode firmware) {
        String id = firmware.path("id").asText("");
        String sha256 = firmware.path("sha256").asText("");
        long size = firmware.path("size").asLong(-1);
        if (id.isEmpty() || !id.matches("[A-Za-z0-9._-]{1,64}") || sha256.length() != 64 || size < 0) {
            throw new IllegalArgumentException("a job without its release's id, size and sha256");
        }
        return new Release(
                id,
                firmware.path("model").asText(),
                firmware.path("version").asText(),
                text(firmware, "min_version"),
                text(firmware, "filename"),
                size,
                sha256,
                text(firmware, "release_notes"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private Path part(String releaseId) {
        return incoming.resolve(releaseId + ".part");
    }

    private long partial(String releaseId) throws IOException {
        Path part = part(releaseId);
        return Files.exists(part) ? Files.size(part) : 0;
    }

    private static String sha256(Path file) throws IOException {
        try (DigestInputStream in =
                new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
