package io.edgeward.core.sync;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** zstd streams (zstd-jni). */
final class Zstd {

    /** The level zstd's own command line uses by default. */
    private static final int LEVEL = 3;

    private Zstd() {}

    static OutputStream compressing(OutputStream out) throws IOException {
        return new ZstdOutputStream(out, LEVEL);
    }

    static InputStream decompressing(InputStream in) throws IOException {
        return new ZstdInputStream(in);
    }
}
