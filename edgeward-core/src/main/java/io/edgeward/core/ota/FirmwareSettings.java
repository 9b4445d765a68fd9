package io.edgeward.core.ota;

import static io.edgeward.core.config.Parsers.bytes;
import static io.edgeward.core.config.Parsers.duration;
import static io.edgeward.core.config.Parsers.integer;
import static io.edgeward.core.config.Parsers.string;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * @param directory where images and the signing key are kept ({@code <data-dir>/firmware})
 * @param maxImageSize the largest image an upload may carry, bytes
 * @param deviceTimeout how long a device may stay silent on its job before it fails, unless its rollout says otherwise
 * @param publicUrl the HTTP base URL devices download images from; empty: this node's address and HTTP port
 * @param maxDeltaImage the largest images a delta is computed between (bsdiff holds both in memory, and more)
 * @param maxDownloadRate bytes per second all devices' downloads together may take; 0 for no limit
 * @param maxDownloads downloads served at once; the others wait their turn, connected
 */
public record FirmwareSettings(
        Path directory,
        long maxImageSize,
        Duration deviceTimeout,
        String publicUrl,
        long maxDeltaImage,
        long maxDownloadRate,
        int maxDownloads) {

    public FirmwareSettings(Path directory, long maxImageSize, Duration deviceTimeout) {
        this(directory, maxImageSize, deviceTimeout, "");
    }

    public FirmwareSettings(Path directory, long maxImageSize, Duration deviceTimeout, String publicUrl) {
        this(directory, maxImageSize, deviceTimeout, publicUrl, 16L << 20, 0, 0);
    }

    public static final Key<Long> MAX_IMAGE_SIZE = new Key<>(
            "ota.max-image-size",
            "2GiB",
            bytes(),
            "The largest firmware image an upload may carry; larger ones are refused (413).");
    public static final Key<Duration> DEVICE_TIMEOUT = new Key<>(
            "ota.device-timeout",
            "30m",
            duration(Duration.ofSeconds(1), Duration.ofDays(30)),
            "How long a device may stay silent on its update job before the job fails (timed out), unless"
                    + " its rollout sets device_timeout.");
    public static final Key<String> PUBLIC_URL = new Key<>(
            "ota.public-url",
            "",
            string(),
            "The HTTP base URL devices download firmware from (http://gateway.local:8080), as they reach this"
                    + " node. Empty: http://<this host's address>:<http.port>.");
    public static final Key<Long> MAX_DELTA_IMAGE = new Key<>(
            "ota.delta.max-image-size",
            "16MiB",
            bytes(),
            "The largest images a delta release is computed between: bsdiff holds both images and a suffix array"
                    + " (about 10 times the base) in the heap while it runs.");
    public static final Key<Long> MAX_DOWNLOAD_RATE = new Key<>(
            "ota.max-download-rate",
            "32MiB",
            bytes(),
            "Bytes per second that devices' firmware downloads (HTTP and hawkBit DDI) take together; 0 for no limit."
                    + " On a gateway the downloads share the cores with ingest: at 141 MB/s on 2 cores ingest's p99 rose"
                    + " from 17 to 147 ms.");
    public static final Key<Integer> MAX_DOWNLOADS = new Key<>(
            "ota.max-concurrent-downloads",
            "64",
            integer(0, 100_000),
            "Firmware downloads served at once; a device beyond them waits its turn with its connection open. 0 for"
                    + " no limit. Each download under way holds buffers: a thousand at once took the node to 500 MiB.");
    public static final List<Key<?>> KEYS =
            List.of(MAX_IMAGE_SIZE, DEVICE_TIMEOUT, PUBLIC_URL, MAX_DELTA_IMAGE, MAX_DOWNLOAD_RATE, MAX_DOWNLOADS);

    public static FirmwareSettings from(Config config, Path dataDir) {
        return new FirmwareSettings(
                dataDir.resolve("firmware"),
                config.get(MAX_IMAGE_SIZE),
                config.get(DEVICE_TIMEOUT),
                config.get(PUBLIC_URL).replaceAll("/+$", ""),
                config.get(MAX_DELTA_IMAGE),
                config.get(MAX_DOWNLOAD_RATE),
                config.get(MAX_DOWNLOADS));
    }

    public FirmwareSettings {
        Objects.requireNonNull(directory, "directory");
        if (maxImageSize <= 0) {
            throw new IllegalArgumentException("ota.max-image-size must be positive");
        }
        publicUrl = publicUrl == null ? "" : publicUrl;
        if (maxDownloadRate < 0 || maxDownloads < 0) {
            throw new IllegalArgumentException(
                    "ota.max-download-rate and ota.max-concurrent-downloads must not be negative");
        }
        if (!publicUrl.isEmpty() && !publicUrl.matches("https?://[^\\s/]+(/\\S*)?")) {
            throw new IllegalArgumentException("ota.public-url must be an http:// or https:// URL");
        }
    }
}
