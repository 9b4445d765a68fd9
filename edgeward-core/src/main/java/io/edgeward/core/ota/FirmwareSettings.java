package io.edgeward.core.ota;

import static io.edgeward.core.config.Parsers.bytes;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * @param directory where images and the signing key are kept ({@code <data-dir>/firmware})
 * @param maxImageSize the largest image an upload may carry, bytes
 */
public record FirmwareSettings(Path directory, long maxImageSize) {

    public static final Key<Long> MAX_IMAGE_SIZE = new Key<>(
            "ota.max-image-size",
            "2GiB",
            bytes(),
            "The largest firmware image an upload may carry; larger ones are refused (413).");
    public static final List<Key<?>> KEYS = List.of(MAX_IMAGE_SIZE);

    public static FirmwareSettings from(Config config, Path dataDir) {
        return new FirmwareSettings(dataDir.resolve("firmware"), config.get(MAX_IMAGE_SIZE));
    }

    public FirmwareSettings {
        Objects.requireNonNull(directory, "directory");
        if (maxImageSize <= 0) {
            throw new IllegalArgumentException("ota.max-image-size must be positive");
        }
    }
}
