package io.edgeward.server.config;

import io.edgeward.coap.CoapSettings;
import io.edgeward.core.command.CommandSettings;
import io.edgeward.core.config.Key;
import io.edgeward.core.config.Parsers;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.processing.ProcessingSettings;
import io.edgeward.core.retention.RetentionSettings;
import io.edgeward.core.rules.RuleSettings;
import io.edgeward.core.shadow.ShadowSettings;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.TelemetryLimits;
import io.edgeward.http.HttpSettings;
import io.edgeward.mqtt.BrokerSettings;
import io.edgeward.store.sql.StoreSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every configuration key of Edgeward, in the order the reference lists them: the node's own, then
 * each module's, as the module declares them beside the settings it builds from them.
 */
public final class Keys {

    public static final Key<Path> DATA_DIR = new Key<>(
            "data-dir",
            "./data",
            Parsers.path(),
            "Directory for the database, broker persistence, admin token and ports.json.");
    public static final Key<String> LOG_LEVEL = new Key<>(
            "log.level",
            "INFO",
            Parsers.oneOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR"),
            "Level of Edgeward's own log lines.");

    public static final Key<Integer> MIN_FREE_DISK = new Key<>(
            "store.min-free-disk",
            "5%",
            Parsers.percent(0, 100),
            "Below this share of free space on the data directory's disk, /ready turns red with the reason (0%: never).");

    public static final List<Key<?>> ALL = all(
            List.of(DATA_DIR, LOG_LEVEL, MIN_FREE_DISK),
            BrokerSettings.KEYS,
            HttpSettings.KEYS,
            io.edgeward.http.DdiSettings.KEYS,
            CoapSettings.KEYS,
            StoreSettings.KEYS,
            TelemetryLimits.KEYS,
            PipelineSettings.KEYS,
            ShadowSettings.KEYS,
            CommandSettings.KEYS,
            FirmwareSettings.KEYS,
            RetentionSettings.KEYS,
            RuleSettings.KEYS,
            ProcessingSettings.KEYS,
            io.edgeward.core.sync.SyncSettings.KEYS,
            io.edgeward.core.logs.LogSettings.KEYS);

    private Keys() {}

    @SafeVarargs
    private static List<Key<?>> all(List<Key<?>>... modules) {
        List<Key<?>> keys = new ArrayList<>();
        for (List<Key<?>> module : modules) {
            keys.addAll(module);
        }
        return List.copyOf(keys);
    }
}
