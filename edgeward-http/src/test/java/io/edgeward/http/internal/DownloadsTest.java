package io.edgeward.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pace of devices' downloads together, on a clock the test moves (waiting moves it). */
class DownloadsTest {

    static final int MIB = 1 << 20;

    final AtomicLong now = new AtomicLong();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    Downloads downloads(long rate) {
        return new Downloads(rate, 0, meters, now::get, now::addAndGet);
    }

    static void drain(InputStream in) throws Exception {
        byte[] buffer = new byte[100_000];
        while (in.read(buffer) > 0) {
            // read it all
        }
    }

    @Test
    void twoDownloadsTogether_takeTheRateTogether_afterASecondsBurst_andAreCounted() throws Exception {
        Downloads downloads = downloads(MIB);
        InputStream first = downloads.paced(new ByteArrayInputStream(new byte[2 * MIB]));
        InputStream second = downloads.paced(new ByteArrayInputStream(new byte[MIB]));
        assertThat(meters.get("edgeward.ota.downloads.active").gauge().value()).isEqualTo(2);

        drain(first);
        drain(second);

        // 3 MiB at 1 MiB/s with 1 MiB of burst: 2 s of waiting, give or take a read's rounding.
        assertThat(now.get()).isBetween(TimeUnit.MILLISECONDS.toNanos(1_990), TimeUnit.MILLISECONDS.toNanos(2_010));
        assertThat(meters.get("edgeward.ota.served.bytes").counter().count()).isEqualTo(3 * MIB);
        first.close();
        second.close();
        second.close();
        assertThat(meters.get("edgeward.ota.downloads.active").gauge().value()).isZero();
    }

    @Test
    void beyondTheDownloadsAtOnce_aDeviceWaitsItsTurn_untilOneEnds() throws Exception {
        Downloads downloads = new Downloads(0, 1, meters, now::get, now::addAndGet);
        downloads.awaitTurn();
        InputStream first = downloads.paced(new ByteArrayInputStream(new byte[10]));
        java.util.concurrent.CompletableFuture<Void> second = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                downloads.awaitTurn();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await()
                .until(() ->
                        meters.get("edgeward.ota.downloads.waiting").gauge().value() == 1);
        assertThat(second).isNotDone();

        first.close();

        second.get(10, TimeUnit.SECONDS);
        assertThat(meters.get("edgeward.ota.downloads.waiting").gauge().value()).isZero();
    }

    @Test
    void noLimit_neverWaits() throws Exception {
        drain(downloads(0).paced(new ByteArrayInputStream(new byte[5 * MIB])));
        assertThat(now.get()).isZero();
        assertThat(meters.get("edgeward.ota.served.bytes").counter().count()).isEqualTo(5 * MIB);
    }
}
