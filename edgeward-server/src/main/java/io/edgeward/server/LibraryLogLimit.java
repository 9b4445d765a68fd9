package io.edgeward.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.edgeward.core.observability.RateLimitedLog;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Rate-limits the log lines of the libraries that face the network (Californium, HiveMQ, Netty):
 * at most one WARN or ERROR line a minute per logger and message, and {@code RateLimitedLog}'s overall budget
 * (lower levels are left to the configured logger levels).
 * Our own code rate-limits what a remote party can trigger where it logs; a library's line cannot
 * be changed there, and one of Californium's (an ERROR with a stack trace for a malformed datagram)
 * let a stranger write 600 MiB of log in ten seconds. Whatever the next such line is, it costs at
 * most a line a minute. Lines left out are counted and reported once a minute.
 */
public final class LibraryLogLimit extends TurboFilter {

    private static final List<String> LIBRARIES = List.of("org.eclipse.californium", "com.hivemq", "io.netty");
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LibraryLogLimit.class);

    private final RateLimitedLog lines;
    private final RateLimitedLog reports;

    public LibraryLogLimit() {
        this(System::nanoTime);
    }

    LibraryLogLimit(LongSupplier nanoTime) {
        this.lines = new RateLimitedLog(Duration.ofMinutes(1), nanoTime);
        this.reports = new RateLimitedLog(Duration.ofMinutes(1), nanoTime);
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // Logback asks every turbo filter before its level check, for every isDebugEnabled() of HiveMQ's
        // and Netty's hot paths too: the level comes first, so that those cost one comparison.
        // A null format is a level check (isWarnEnabled()), not a line: limiting it would silence the line that
        // follows.
        if (level == null
                || level.levelInt < Level.WARN_INT
                || format == null
                || logger == null
                || !fromLibrary(logger.getName())
                || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        if (lines.allow(logger.getName() + "|" + format)) {
            return FilterReply.NEUTRAL;
        }
        if (reports.allow("report")) {
            LOG.warn(
                    "Log lines of network-facing libraries are limited to one a minute per message; the latest left out came from {}: {}",
                    logger.getName(),
                    RateLimitedLog.printable(format, 120));
        }
        return FilterReply.DENY;
    }

    private static boolean fromLibrary(String name) {
        for (String library : LIBRARIES) {
            if (name.startsWith(library)) {
                return true;
            }
        }
        return false;
    }
}
