package io.edgeward.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.logs.LogEntry;
import io.edgeward.core.logs.LogLevel;
import org.slf4j.LoggerFactory;

/**
 * At an edge: the node's own log lines at or above {@code logs.node-level} kept as the logs of the
 * edge's id, so that they go to the cloud on the low stream (the node's event log there, under its
 * gateway device). At most one a second, ten at once; the device logs' own lines are not taken (a
 * failing log store would feed itself).
 */
final class NodeLog extends AppenderBase<ILoggingEvent> {

    private static final String OWN = "io.edgeward.core.logs";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeviceLogs logs;
    private final DeviceId edge;
    private final Level threshold;
    private double tokens = 10;
    private long at = System.nanoTime();

    private NodeLog(DeviceLogs logs, DeviceId edge, LogLevel threshold) {
        this.logs = logs;
        this.edge = edge;
        this.threshold = switch (threshold) {
            case DEBUG -> Level.DEBUG;
            case INFO -> Level.INFO;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
        };
    }

    /** Adds the appender to the root logger; the returned runnable removes it. */
    static Runnable install(DeviceLogs logs, String edgeId, LogLevel threshold) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return () -> {};
        }
        NodeLog appender = new NodeLog(logs, DeviceId.of(edgeId), threshold);
        appender.setContext(context);
        appender.setName("edgeward-node-log");
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        return () -> {
            root.detachAppender(appender);
            appender.stop();
        };
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(threshold)
                || event.getLoggerName().startsWith(OWN)
                || !take()) {
            return;
        }
        String message = event.getFormattedMessage();
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            message = message + ": " + thrown.getClassName()
                    + (thrown.getMessage() == null ? "" : ": " + thrown.getMessage());
        }
        String fields = JSON.createObjectNode()
                .put("logger", event.getLoggerName())
                .put("thread", event.getThreadName())
                .toString();
        logs.record(new LogEntry(
                0,
                edge,
                event.getTimeStamp(),
                LogLevel.fromWire(event.getLevel().toString()),
                cut(message, logs.settings().maxLine()),
                fields,
                null));
    }

    /** One a second, ten at once (the appender runs on any logging thread). */
    private synchronized boolean take() {
        long now = System.nanoTime();
        tokens = Math.min(10, tokens + (now - at) / 1e9);
        at = now;
        if (tokens < 1) {
            return false;
        }
        tokens--;
        return true;
    }

    private static String cut(String message, int max) {
        return message.length() <= max ? message : message.substring(0, max - 1) + "…";
    }
}
