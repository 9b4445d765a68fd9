package io.edgeward.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * How long the disk under the data directory takes to make an append durable: the floor of every
 * acknowledgement that waits for an fsync, whatever the store does. A group commit is one such
 * append (SQLite's WAL frames, then fsync); its p99 cannot be below the disk's.
 */
record FsyncProbe(double p50Millis, double p99Millis, double maxMillis) {

    static FsyncProbe measure(Path dir, int appends) throws IOException {
        Path file = Files.createTempFile(dir, "fsync-probe", ".bin");
        long[] nanos = new long[appends];
        ByteBuffer page = ByteBuffer.allocateDirect(4096);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (int i = 0; i < appends; i++) {
                page.clear();
                long start = System.nanoTime();
                channel.write(page);
                channel.force(false);
                nanos[i] = System.nanoTime() - start;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        Arrays.sort(nanos);
        return new FsyncProbe(
                millis(nanos[appends / 2]), millis(nanos[(int) (appends * 0.99)]), millis(nanos[appends - 1]));
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }
}
