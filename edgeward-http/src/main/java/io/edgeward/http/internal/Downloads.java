package io.edgeward.http.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Devices' firmware downloads, together: their bytes counted ({@code edgeward_ota_served_bytes_total}),
 * those under way ({@code edgeward_ota_downloads_active}) and waiting ({@code
 * edgeward_ota_downloads_waiting}), at most {@code ota.max-concurrent-downloads} at once and their
 * rate bounded by {@code ota.max-download-rate}. On a gateway the downloads share the cores and the
 * heap with ingest: a token bucket with a second's worth of burst spreads them, and a device beyond
 * the limit waits its turn (on its own virtual thread, its connection open, before any buffer is
 * taken for it) instead of a thousand devices taking the machine.
 */
public final class Downloads {

    private final long bytesPerSecond;
    private final Counter served;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    /** Null when downloads are not limited in number. */
    private final java.util.concurrent.Semaphore turns;
    /** Tokens (bytes) available, and when they were last topped up. */
    private double tokens;

    private long topped;

    private final LongSupplier clock;
    private final LongConsumer parker;

    public Downloads(long bytesPerSecond, int atOnce, MeterRegistry meters) {
        this(bytesPerSecond, atOnce, meters, System::nanoTime, LockSupport::parkNanos);
    }

    /** @param clock nanoseconds, as {@link System#nanoTime()}; @param parker waits so many nanoseconds */
    Downloads(long bytesPerSecond, int atOnce, MeterRegistry meters, LongSupplier clock, LongConsumer parker) {
        this.turns = atOnce > 0 ? new java.util.concurrent.Semaphore(atOnce, true) : null;
        this.clock = clock;
        this.parker = parker;
        this.topped = clock.getAsLong();
        this.bytesPerSecond = bytesPerSecond;
        this.tokens = bytesPerSecond;
        this.served = Counter.builder("edgeward.ota.served.bytes")
                .description("Firmware bytes served to devices (images and deltas, HTTP and hawkBit DDI)")
                .register(meters);
        Gauge.builder("edgeward.ota.downloads.active", active, AtomicInteger::get)
                .description("Firmware downloads under way")
                .register(meters);
        Gauge.builder("edgeward.ota.downloads.waiting", waiting, AtomicInteger::get)
                .description("Firmware downloads waiting for their turn (ota.max-concurrent-downloads)")
                .register(meters);
    }

    /**
     * Waits for a download's turn (call it before the response is started); the turn is given back
     * when the body {@link #paced} returns is closed.
     */
    void awaitTurn() throws InterruptedException {
        if (turns != null && !turns.tryAcquire()) {
            waiting.incrementAndGet();
            try {
                turns.acquire();
            } finally {
                waiting.decrementAndGet();
            }
        }
    }

    /** Gives a turn back when the download ends before its body was handed out (a 304, a HEAD, a refusal). */
    void endTurn() {
        if (turns != null) {
            turns.release();
        }
    }

    /** The body of one download that has its turn, counted and paced; closing it ends the download and its turn. */
    InputStream paced(InputStream body) {
        active.incrementAndGet();
        return new FilterInputStream(body) {
            private boolean closed;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, Math.min(length, 64 * 1024));
                if (n > 0) {
                    served.increment(n);
                    take(n);
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    active.decrementAndGet();
                    endTurn();
                }
                super.close();
            }
        };
    }

    /** Waits until {@code bytes} may go. */
    private void take(int bytes) {
        if (bytesPerSecond <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = clock.getAsLong();
            tokens = Math.min(bytesPerSecond, tokens + (now - topped) / 1e9 * bytesPerSecond);
            topped = now;
            tokens -= bytes;
            waitNanos = tokens >= 0 ? 0 : (long) (-tokens / bytesPerSecond * TimeUnit.SECONDS.toNanos(1));
        }
        if (waitNanos > 0) {
            parker.accept(waitNanos);
        }
    }
}
