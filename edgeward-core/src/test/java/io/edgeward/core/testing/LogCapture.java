package io.edgeward.core.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/** Counts the lines and characters every logger writes while it is open: what a flood costs the log. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong chars = new AtomicLong();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    public static LogCapture attach() {
        LogCapture capture = new LogCapture();
        capture.setContext(capture.root.getLoggerContext());
        capture.start();
        capture.root.addAppender(capture);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.incrementAndGet();
        long size = event.getFormattedMessage().length();
        if (event.getThrowableProxy() != null) {
            size += 2_000; // a stack trace: about this much in the file
        }
        chars.addAndGet(size);
    }

    public long lines() {
        return lines.get();
    }

    public long chars() {
        return chars.get();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
