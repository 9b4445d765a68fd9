package io.edgeward.core.rules;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON shape of an alarm, the same in the REST API, its event stream and the MQTT topic
 * {@code alarms/{device_id}/{rule_id}}: snake_case, times in ISO-8601 UTC.
 */
public final class AlarmDocuments {

    private AlarmDocuments() {}

    public static Map<String, Object> view(Alarm alarm) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", alarm.id());
        view.put("rule_id", alarm.ruleId());
        view.put("device_id", alarm.device().value());
        view.put("severity", alarm.severity().wireName());
        view.put("status", alarm.status().wireName());
        view.put("message", alarm.message());
        view.put("count", alarm.count());
        view.put("firing_id", alarm.firingId());
        view.put(
                "last_value",
                alarm.lastValue() == null ? null : alarm.lastValue().raw());
        view.put("last_time", iso(alarm.lastTime()));
        view.put("created_at", iso(alarm.createdAt()));
        view.put("updated_at", iso(alarm.updatedAt()));
        view.put("acknowledged_at", iso(alarm.acknowledgedAt()));
        view.put("acknowledged_by", alarm.acknowledgedBy());
        view.put("cleared_at", iso(alarm.clearedAt()));
        view.put("cleared_by", alarm.clearedBy());
        return view;
    }

    /** The MQTT topic an alarm's changes are published on. */
    public static String topic(Alarm alarm) {
        return "alarms/" + alarm.device().value() + "/" + alarm.ruleId();
    }

    private static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
