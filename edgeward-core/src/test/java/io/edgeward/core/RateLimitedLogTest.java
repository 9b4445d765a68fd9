package io.edgeward.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.observability.RateLimitedLog;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    private final AtomicLong now = new AtomicLong();
    private final RateLimitedLog log = new RateLimitedLog(Duration.ofMinutes(1), now::get);

    @Test
    void sameKey_allowedOncePerPeriod() {
        assertThat(log.allow("device-1")).isTrue();
        assertThat(log.allow("device-1")).isFalse();
        assertThat(log.allow("device-2")).isTrue();
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(log.allow("device-1")).isTrue();
    }

    @Test
    void uniqueKeys_areCappedAtTheOverallBudget_andTheRestCountedAsSuppressed() {
        int allowed = 0;
        for (int i = 0; i < 1_000; i++) {
            if (log.allow("client-" + i + "-" + "x".repeat(60_000))) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(100);
        assertThat(log.takeSuppressed()).isEqualTo(900);
        assertThat(log.takeSuppressed()).isZero();
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(log.allow("client-new")).isTrue();
    }

    @Test
    void longKeys_thatDifferOnlyAtTheEnd_stayDistinct() {
        String head = "y".repeat(10_000);
        assertThat(log.allow(head + "a")).isTrue();
        assertThat(log.allow(head + "b")).isTrue();
        assertThat(log.allow(head + "a")).isFalse();
    }

    @Test
    void printable_cutsLongTextAndReplacesControlCharacters() {
        assertThat(RateLimitedLog.printable("a\nb\0c", 64)).isEqualTo("a?b?c");
        assertThat(RateLimitedLog.printable("z".repeat(100), 10)).isEqualTo("zzzzzzzzzz…(100 chars)");
        assertThat(RateLimitedLog.printable(null, 10)).isEqualTo("null");
    }
}
