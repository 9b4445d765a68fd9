package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.ota.DeviceJob;
import io.edgeward.core.ota.Firmware;
import io.edgeward.core.ota.FirmwareDelta;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.JobReport;
import io.edgeward.core.ota.JobStatus;
import io.edgeward.core.ota.OtaChannel;
import io.edgeward.core.ota.OtaRefusedException;
import io.edgeward.core.ota.Rollouts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a node receiving edges: firmware deployments to devices behind edges. The cloud's rollouts
 * target those devices as any other; a job offered to one goes down to its edge
 * ({@code edge/{edge}/down/ota/{device}}, now or when the edge returns), which runs it with the
 * device and reports its states up the high stream ({@code ota_progress}), each becoming the
 * device's report here. The image goes down the same link: the edge asks for it from the length it
 * has ({@code firmware_needed}), and gets it in chunks ({@code edge/{edge}/down/firmware/{id}}:
 * an 8-byte offset, then the bytes), only for a release one of its devices has a job of.
 */
public final class EdgeFirmware implements OtaChannel {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeFirmware.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bytes of image in one chunk. */
    static final int CHUNK = 256 * 1024;

    private final EdgeRelay relay;
    private final Rollouts rollouts;
    private final Firmwares firmwares;
    private final RateLimitedLog refusals = RateLimitedLog.perMinute();

    public EdgeFirmware(EdgeRelay relay, Rollouts rollouts, Firmwares firmwares, Threads threads) {
        this.transfers = java.util.concurrent.Executors.newThreadPerTaskExecutor(threads.virtual("edge-firmware"));
        this.relay = relay;
        this.rollouts = rollouts;
        this.firmwares = firmwares;
    }

    @Override
    public void offer(DeviceJob job, Firmware firmware, FirmwareDelta delta) {
        relay.edgeOfDevice(job.device())
                .filter(relay::connected)
                .ifPresent(edge -> relay.sendDown(edge, "ota/" + job.device().value(), offer(job, firmware)));
    }

    private static byte[] offer(DeviceJob job, Firmware firmware) {
        ObjectNode document = JSON.createObjectNode();
        document.put("job_id", job.id());
        ObjectNode release = document.putObject("firmware");
        release.put("id", firmware.id());
        release.put("model", firmware.model());
        release.put("version", firmware.version());
        release.put("min_version", firmware.minVersion());
        release.put("filename", firmware.filename());
        release.put("size", firmware.size());
        release.put("sha256", firmware.sha256());
        release.put("release_notes", firmware.releaseNotes());
        return document.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void withdraw(DeviceJob job) {
        relay.edgeOfDevice(job.device()).filter(relay::connected).ifPresent(edge -> {
            ObjectNode document = JSON.createObjectNode();
            document.put("job_id", job.id());
            document.put("withdrawn", true);
            document.put("status", job.status().wireName());
            relay.sendDown(
                    edge,
                    "ota/" + job.device().value(),
                    document.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
    }

    /** The edge came back: the active job of each of its devices goes down again (an offer is idempotent). */
    public void edgeReady(String edge) {
        for (DeviceId device : relay.devicesOf(edge)) {
            rollouts.offerFor(device).ifPresent(offer -> offer(offer.job(), offer.firmware(), offer.delta()));
        }
    }

    /** {@code ota_progress} from an edge: its device's report on the job. */
    public void progress(String edge, String device, String json) {
        try {
            JsonNode report = JSON.readTree(json);
            JobStatus status = JobStatus.fromWire(report.path("status").asText());
            rollouts.report(
                    DeviceId.of(device),
                    new JobReport(
                            report.path("job_id").asText(),
                            status,
                            report.hasNonNull("progress")
                                    ? report.get("progress").asInt()
                                    : null,
                            report.hasNonNull("reason") ? report.get("reason").asText() : null));
        } catch (IOException | IllegalArgumentException | OtaRefusedException e) {
            if (refusals.allow("progress:" + edge)) {
                LOG.warn("Edge '{}': a job report of '{}' not taken: {}", edge, device, e.getMessage());
            }
        }
    }

    /**
     * {@code firmware_needed} from an edge: the image from {@code offset} on, in chunks, when one of
     * its devices has an active job of that release.
     */
    public void firmwareNeeded(String edge, String json) {
        // Off the receiver's thread (the frame's acknowledgement waits for it); one transfer per edge at a time.
        if (sending.add(edge)) {
            transfers.execute(() -> {
                try {
                    send(edge, json);
                } finally {
                    sending.remove(edge);
                }
            });
        }
    }

    private final java.util.Set<String> sending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.Executor transfers;

    private void send(String edge, String json) {
        String firmwareId = "";
        try {
            JsonNode request = JSON.readTree(json);
            firmwareId = request.path("firmware_id").asText();
            long offset = Math.max(0, request.path("offset").asLong(0));
            String wanted = firmwareId;
            boolean offered = relay.devicesOf(edge).stream()
                    .map(rollouts::offerFor)
                    .flatMap(Optional::stream)
                    .anyMatch(offer -> offer.firmware().id().equals(wanted));
            if (!offered) {
                throw new IllegalArgumentException("no device of the edge has a job of release " + firmwareId);
            }
            Firmwares.Image image = firmwares.image(firmwareId);
            long size = image.firmware().size();
            for (long at = offset; at < size && relay.connected(edge); at += CHUNK) {
                byte[] data = image.read(at, (int) Math.min(CHUNK, size - at));
                byte[] chunk = ByteBuffer.allocate(8 + data.length)
                        .putLong(at)
                        .put(data)
                        .array();
                if (!relay.sendDown(edge, "firmware/" + firmwareId, chunk)) {
                    return; // the edge asks again from what it has
                }
            }
        } catch (IOException | RuntimeException e) {
            if (refusals.allow("firmware:" + edge)) {
                LOG.warn("Edge '{}': release {} not sent: {}", edge, firmwareId, e.getMessage());
            }
        }
    }
}
