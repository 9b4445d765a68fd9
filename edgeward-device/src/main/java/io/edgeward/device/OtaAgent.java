package io.edgeward.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A device's side of an update over MQTT, as an A/B device does it: on a notification, verify the
 * manifest's signature with the node's public key and refuse a downgrade or a release it may not
 * upgrade from; download the image over HTTP (resuming a cut transfer with {@code Range}) while
 * hashing it; compare the hash; "install" it into the inactive slot; "reboot" into it and run a
 * health check; commit, or switch back to the old slot and report {@code rolled_back}. Each step is
 * reported on {@code device/{id}/ota/progress}. The simulator's devices run it; {@code failureRate}
 * is the share of health checks that fail.
 */
public final class OtaAgent {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Attempts at a download, each resuming where the last stopped, 0.5 s apart doubling to 16 s: a node restarting is back within them. */
    private static final int RESUME_ATTEMPTS = 9;

    /** What this device runs and keeps: the active slot's version, and the inactive slot's. */
    public static final class Slots {
        private volatile String active;
        private volatile String inactive;

        public Slots(String active) {
            this.active = active;
        }

        public String active() {
            return active;
        }

        public String inactive() {
            return inactive;
        }
    }

    /** Counts over a fleet of agents. */
    public static final class Counts {
        public final AtomicLong completed = new AtomicLong();
        public final AtomicLong rolledBack = new AtomicLong();
        public final AtomicLong failed = new AtomicLong();
        public final AtomicLong refused = new AtomicLong();
        public final AtomicLong resumed = new AtomicLong();
    }

    private final String deviceId;
    private final String secret;
    private final Mqtt5AsyncClient mqtt;
    private final PublicKey signingKey;
    private final Slots slots;
    private final double failureRate;
    private final SplittableRandom random;
    private final HttpClient http;
    private final Counts counts;
    private final Consumer<String> versionChanged;
    /** The job being carried out, so that a notification delivered again (retained, on reconnect) starts nothing twice. */
    private String busyWith;

    public OtaAgent(
            String deviceId,
            String secret,
            Mqtt5AsyncClient mqtt,
            PublicKey signingKey,
            Slots slots,
            double failureRate,
            SplittableRandom random,
            HttpClient http,
            Counts counts,
            Consumer<String> versionChanged) {
        this.deviceId = deviceId;
        this.secret = secret;
        this.mqtt = mqtt;
        this.signingKey = signingKey;
        this.slots = slots;
        this.failureRate = failureRate;
        this.random = random;
        this.http = http;
        this.counts = counts;
        this.versionChanged = versionChanged;
    }

    /** The node's public key from its PEM ({@code GET /api/v1/firmware/signing-key}). */
    public static PublicKey publicKey(String pem) throws GeneralSecurityException {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    public String notifyTopic() {
        return "device/" + deviceId + "/ota/notify";
    }

    /** Subscribes to the notify topic; notifications are handled on a virtual thread each. */
    public void subscribe() {
        mqtt.subscribeWith()
                .topicFilter(notifyTopic())
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> {
                    byte[] payload = publish.getPayloadAsBytes();
                    if (payload.length > 0) {
                        Thread.ofVirtual().name("ota-" + deviceId).start(() -> notified(payload));
                    }
                })
                .send();
    }

    /** Handles one notification; public for a device driven by hand (the SDK's users, tests). */
    public void notified(byte[] payload) {
        JsonNode notice;
        try {
            notice = JSON.readTree(payload);
        } catch (IOException e) {
            return;
        }
        String jobId = notice.path("job_id").asText(null);
        if (jobId == null || !notice.has("manifest")) {
            return; // a cancel notice: nothing is running that it could stop between steps
        }
        synchronized (this) {
            if (jobId.equals(busyWith)) {
                return;
            }
            busyWith = jobId;
        }
        try {
            carryOut(jobId, notice);
        } finally {
            synchronized (this) {
                busyWith = null;
            }
        }
    }

    private void carryOut(String jobId, JsonNode notice) {
        String manifestText = notice.path("manifest").asText();
        JsonNode manifest;
        try {
            manifest = JSON.readTree(manifestText);
            if (!verifies(manifestText, notice.path("signature").asText())) {
                refuse(jobId, "the manifest's signature does not verify with the node's key");
                return;
            }
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            refuse(jobId, "the manifest cannot be checked: " + e.getMessage());
            return;
        }
        String version = manifest.path("version").asText();
        if (version.equals(slots.active)) {
            report(jobId, "completed", 100, null); // already running it (a redelivered notice after a reboot)
            return;
        }
        if (older(version, slots.active)) {
            refuse(jobId, "refusing a downgrade from " + slots.active + " to " + version);
            return;
        }
        String minVersion = manifest.path("min_version").isTextual()
                ? manifest.path("min_version").asText()
                : null;
        if (minVersion != null && slots.active != null && older(slots.active, minVersion)) {
            refuse(jobId, "runs " + slots.active + ", the release needs at least " + minVersion);
            return;
        }
        long size = manifest.path("size").asLong();
        String sha256;
        try {
            report(jobId, "downloading", 0, null);
            sha256 = download(jobId, URI.create(notice.path("url").asText()), size);
        } catch (IOException e) {
            counts.failed.incrementAndGet();
            report(jobId, "failed", null, "download failed: " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        report(jobId, "verifying", 100, null);
        if (!sha256.equals(manifest.path("sha256").asText())) {
            counts.failed.incrementAndGet();
            report(
                    jobId,
                    "failed",
                    null,
                    "sha256 mismatch: got " + sha256 + ", the manifest says "
                            + manifest.path("sha256").asText());
            return;
        }
        report(jobId, "installing", 100, null);
        slots.inactive = version;
        // Reboot into the new slot; the health check decides whether it stays.
        String previous = slots.active;
        slots.active = version;
        if (random.nextDouble() < failureRate) {
            slots.active = previous;
            counts.rolledBack.incrementAndGet();
            report(
                    jobId,
                    "rolled_back",
                    null,
                    "health check failed after booting " + version + "; back on " + previous);
            return;
        }
        counts.completed.incrementAndGet();
        versionChanged.accept(version);
        report(jobId, "completed", 100, null);
    }

    /** Downloads and hashes the image, resuming with Range after a cut; returns its SHA-256. */
    private String download(String jobId, URI url, long size) throws IOException, InterruptedException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        long received = 0;
        int lastReported = 0;
        byte[] buffer = new byte[64 * 1024];
        for (int attempt = 0; received < size && attempt < RESUME_ATTEMPTS; attempt++) {
            if (attempt > 0) {
                counts.resumed.incrementAndGet();
                Thread.sleep(Math.min(16_000, 500L << (attempt - 1)));
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(url)
                    .timeout(Duration.ofMinutes(2))
                    .header("Authorization", "TargetToken " + secret);
            if (received > 0) {
                request.header("Range", "bytes=" + received + "-");
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                continue; // cut before the answer: try again from where it stands
            }
            int expected = received > 0 ? 206 : 200;
            if (response.statusCode() != expected) {
                response.body().close();
                throw new IOException("HTTP " + response.statusCode() + " for " + url);
            }
            try (InputStream in = response.body()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                    received += n;
                    int percent = (int) (received * 100 / Math.max(1, size));
                    if (percent >= lastReported + 25 && percent < 100) {
                        lastReported = percent;
                        report(jobId, "downloading", percent, null);
                    }
                }
            } catch (IOException e) {
                // Cut in the middle: the next attempt asks for the rest.
            }
        }
        if (received != size) {
            throw new IOException("got " + received + " of " + size + " bytes after " + RESUME_ATTEMPTS + " attempts");
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private boolean verifies(String manifest, String signature) throws GeneralSecurityException {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(signingKey);
        verifier.update(manifest.getBytes(StandardCharsets.UTF_8));
        return verifier.verify(Base64.getDecoder().decode(signature));
    }

    private void refuse(String jobId, String reason) {
        counts.refused.incrementAndGet();
        report(jobId, "failed", null, reason);
    }

    private void report(String jobId, String status, Integer progress, String reason) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("job_id", jobId);
        doc.put("status", status);
        if (progress != null) {
            doc.put("progress", progress);
        }
        if (reason != null) {
            doc.put("reason", reason);
        }
        try {
            mqtt.publishWith()
                    .topic("device/" + deviceId + "/ota/progress")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(JSON.writeValueAsBytes(doc))
                    .send()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // The node did not take it; it learns from the next report, or times the job out.
        }
    }

    /** True when {@code a} is an older semantic version than {@code b} (false when either is not one). */
    static boolean older(String a, String b) {
        long[] x = numbers(a);
        long[] y = numbers(b);
        if (x == null || y == null) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (x[i] != y[i]) {
                return x[i] < y[i];
            }
        }
        return false;
    }

    private static long[] numbers(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.split("[-+]")[0].split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2])};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
