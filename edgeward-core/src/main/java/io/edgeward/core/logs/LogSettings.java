package io.edgeward.core.logs;

import io.edgeward.core.config.Config;
import io.edgeward.core.config.Key;
import io.edgeward.core.config.Parsers;
import java.time.Duration;
import java.util.List;

/**
 * Device logs' limits and how long they are kept.
 *
 * @param maxRate lines a second one device may publish, sustained (ten seconds' worth at once)
 * @param nodeLevel the node's own log lines at or above this level are kept as the logs of the
 *     edge (at an edge: forwarded); null for none
 */
public record LogSettings(Duration retention, int maxRate, int maxLine, LogLevel nodeLevel) {

    public static final Key<Duration> RETENTION = new Key<>(
            "logs.retention",
            "7d",
            Parsers.duration(Duration.ofMinutes(1), Duration.ofDays(3650)),
            "How long device log lines (device/{id}/log) are kept.");
    public static final Key<Integer> MAX_RATE = new Key<>(
            "logs.max-rate",
            "50",
            Parsers.integer(1, 100_000),
            "Log lines a second one device may publish, sustained (ten seconds' worth at once); over it, its log"
                    + " messages are refused (MQTT 0x97 quota exceeded) and counted.");
    public static final Key<Integer> MAX_LINE = new Key<>(
            "logs.max-line",
            "4096",
            Parsers.integer(64, 65_536),
            "Characters of one log line's message; a longer line is cut there and marked with an ellipsis.");
    public static final Key<String> NODE_LEVEL = new Key<>(
            "logs.node-level",
            "warn",
            Parsers.oneOf("NONE", "DEBUG", "INFO", "WARN", "ERROR"),
            "At an edge: the node's own log lines at or above this level are kept as the logs of the edge's id and"
                    + " forwarded to the cloud on the low stream (at most one a second); none for none.");
    public static final List<Key<?>> KEYS = List.of(RETENTION, MAX_RATE, MAX_LINE, NODE_LEVEL);

    public static final LogSettings DEFAULTS = new LogSettings(Duration.ofDays(7), 50, 4096, LogLevel.WARN);

    public static LogSettings from(Config config) {
        String node = config.get(NODE_LEVEL);
        return new LogSettings(
                config.get(RETENTION),
                config.get(MAX_RATE),
                config.get(MAX_LINE),
                node.equals("NONE") ? null : LogLevel.fromWire(node));
    }
}
