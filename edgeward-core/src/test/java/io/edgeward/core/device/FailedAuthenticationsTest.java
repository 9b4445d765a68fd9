package io.edgeward.core.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedAuthenticationsTest {

    private final AtomicLong now = new AtomicLong();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FailedAuthentications failures = new FailedAuthentications("test", meters, now::get);

    @Test
    void firstFailures_areFree_thenTheDelayDoubles_upToTheCap() {
        for (int i = 0; i < FailedAuthentications.FREE_FAILURES; i++) {
            assertThat(failures.failed("10.0.0.1", "dev")).isZero();
        }
        assertThat(failures.failed("10.0.0.1", "dev")).isEqualTo(Duration.ofMillis(100));
        assertThat(failures.failed("10.0.0.1", "dev")).isEqualTo(Duration.ofMillis(200));
        assertThat(failures.failed("10.0.0.1", "dev")).isEqualTo(Duration.ofMillis(400));
        for (int i = 0; i < 30; i++) {
            failures.failed("10.0.0.1", "dev");
        }
        assertThat(failures.failed("10.0.0.1", "dev")).isEqualTo(FailedAuthentications.MAX_DELAY);
        assertThat(meters.counter("edgeward.auth.throttled", "transport", "test")
                        .count())
                .isEqualTo(34);
    }

    @Test
    void identity_isThrottledAcrossSources_andSourceAcrossIdentities() {
        for (int i = 0; i < 6; i++) {
            failures.failed("10.0.0." + i, "victim");
        }
        assertThat(failures.penalty("10.0.0.99", "victim")).isPositive();
        assertThat(failures.penalty("10.0.0.99", "someone-else")).isZero();
        for (int i = 0; i < 6; i++) {
            failures.failed("10.0.0.50", "id-" + i);
        }
        assertThat(failures.penalty("10.0.0.50", "fresh")).isPositive();
        assertThat(failures.penalty("10.0.0.51", null)).isZero();
    }

    @Test
    void quietKey_isForgottenAfterTheWindow() {
        for (int i = 0; i < 10; i++) {
            failures.failed("10.0.0.1", null);
        }
        assertThat(failures.penalty("10.0.0.1", null)).isPositive();
        now.addAndGet(FailedAuthentications.FORGET_AFTER.toNanos());
        assertThat(failures.penalty("10.0.0.1", null)).isZero();
        assertThat(failures.failed("10.0.0.1", null)).isZero();
    }
}
