package io.edgeward.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LibraryLogLimitTest {

    private final AtomicLong now = new AtomicLong();
    private final LibraryLogLimit limit = new LibraryLogLimit(now::get);
    private final LoggerContext context = new LoggerContext();

    private FilterReply log(String logger, Level level, String format) {
        return limit.decide(null, context.getLogger(logger), level, format, null, null);
    }

    @Test
    void libraryLine_repeated_passesOncePerMinute() {
        String endpoint = "org.eclipse.californium.core.network.CoapEndpoint";
        assertThat(log(endpoint, Level.ERROR, "coap exception in protocol stage thread: {}"))
                .isEqualTo(FilterReply.NEUTRAL);
        for (int i = 0; i < 10_000; i++) {
            assertThat(log(endpoint, Level.ERROR, "coap exception in protocol stage thread: {}"))
                    .isEqualTo(FilterReply.DENY);
        }
        assertThat(log(endpoint, Level.ERROR, "another message")).isEqualTo(FilterReply.NEUTRAL);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(log(endpoint, Level.ERROR, "coap exception in protocol stage thread: {}"))
                .isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void levelChecks_areNeverLimited() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(log("org.eclipse.californium.elements.EndpointContextUtil", Level.WARN, null))
                    .isEqualTo(FilterReply.NEUTRAL);
        }
    }

    @Test
    void ourOwnLines_andLinesBelowTheLevel_areLeftAlone() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(log("io.edgeward.mqtt.EmbeddedBroker", Level.WARN, "same"))
                    .isEqualTo(FilterReply.NEUTRAL);
        }
        Logger hivemq = context.getLogger("com.hivemq.x");
        hivemq.setLevel(Level.WARN);
        for (int i = 0; i < 1_000; i++) {
            assertThat(log("com.hivemq.x", Level.DEBUG, "debug line")).isEqualTo(FilterReply.NEUTRAL);
        }
    }
}
