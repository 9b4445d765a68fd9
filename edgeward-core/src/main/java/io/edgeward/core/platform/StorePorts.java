package io.edgeward.core.platform;

import io.edgeward.core.command.CommandRepository;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.logs.DeviceLogRepository;
import io.edgeward.core.ota.FirmwareRepository;
import io.edgeward.core.ota.RolloutRepository;
import io.edgeward.core.processing.ProcessedStream;
import io.edgeward.core.processing.ProcessingConfigRepository;
import io.edgeward.core.retention.TelemetryRetention;
import io.edgeward.core.rules.AlarmRepository;
import io.edgeward.core.rules.RuleJournal;
import io.edgeward.core.rules.RuleRepository;
import io.edgeward.core.shadow.ShadowRepository;
import io.edgeward.core.sync.EdgeConfigRepository;
import io.edgeward.core.sync.Outbox;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TelemetryWriter;
import java.util.Objects;

/**
 * The ports a node's domain runs on, each implemented by some store. One relational store
 * implements them all today; the telemetry ports may come from another (a time-series database)
 * without the rest knowing.
 */
public record StorePorts(
        DeviceRepository devices,
        ShadowRepository shadows,
        CommandRepository commands,
        TelemetryWriter telemetryWriter,
        TelemetryReader telemetryReader,
        TelemetryRetention telemetryRetention,
        ProcessedStream processedStream,
        ProcessingConfigRepository processingConfigs,
        RuleRepository rules,
        RuleJournal ruleJournal,
        AlarmRepository alarms,
        FirmwareRepository firmware,
        RolloutRepository rollouts,
        Outbox outbox,
        EdgeConfigRepository edgeConfigs,
        DeviceLogRepository deviceLogs) {

    public StorePorts {
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(shadows, "shadows");
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(telemetryWriter, "telemetryWriter");
        Objects.requireNonNull(telemetryReader, "telemetryReader");
        Objects.requireNonNull(telemetryRetention, "telemetryRetention");
        Objects.requireNonNull(processedStream, "processedStream");
        Objects.requireNonNull(processingConfigs, "processingConfigs");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(ruleJournal, "ruleJournal");
        Objects.requireNonNull(alarms, "alarms");
        Objects.requireNonNull(firmware, "firmware");
        Objects.requireNonNull(rollouts, "rollouts");
        Objects.requireNonNull(outbox, "outbox");
        Objects.requireNonNull(edgeConfigs, "edgeConfigs");
        Objects.requireNonNull(deviceLogs, "deviceLogs");
    }
}
