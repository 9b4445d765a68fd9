package io.edgeward.server;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The readiness of the disk under the data directory: below a share of free space the node is
 * reported not ready, with what to do, before SQLite or the broker's persistence fail a write
 * (the store refuses acknowledgements then, and the devices' resends have nowhere to go).
 */
final class DiskSpace {

    private final Path dataDir;
    private final int minFreePercent;

    DiskSpace(Path dataDir, int minFreePercent) {
        this.dataDir = dataDir;
        this.minFreePercent = minFreePercent;
    }

    /** What is wrong, or {@code null} while at least the configured share of the disk is free. */
    String problem() {
        try {
            return problem(Files.getFileStore(dataDir));
        } catch (IOException e) {
            return "the disk of " + dataDir + " cannot be read: " + e.getMessage();
        }
    }

    String problem(FileStore disk) throws IOException {
        long total = disk.getTotalSpace();
        long free = disk.getUsableSpace();
        if (total <= 0) {
            return null; // a file system that does not say (some overlays): nothing to judge by
        }
        double percent = 100.0 * free / total;
        if (percent >= minFreePercent) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "the disk of %s has %.1f%% free (%s of %s), below store.min-free-disk (%d%%): free space or move"
                        + " data-dir before the store fails its writes",
                dataDir,
                percent,
                bytes(free),
                bytes(total),
                minFreePercent);
    }

    private static String bytes(long bytes) {
        return bytes >= 1L << 30
                ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
