package io.edgeward.core.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a firing or clearing into what {@link RuleJournal#record} stores: the alarm's change and
 * the action jobs, each action under its rate limit per device (in memory: a restart forgets
 * the counts, never a firing).
 */
final class ActionPlanner {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final RuleMetrics metrics;
    /** Times each (rule, action, device) last ran, newest last, at most the limit's count. */
    private final Map<String, ArrayDeque<Long>> recent = new HashMap<>();

    ActionPlanner(Clock clock, RuleMetrics metrics) {
        this.clock = clock;
        this.metrics = metrics;
    }

    AlarmChange alarmChange(CompiledRule rule, Transition transition, Map<String, Object> template) {
        for (RuleAction action : rule.rule().actions()) {
            if (action instanceof RuleAction.RaiseAlarm alarm) {
                Value value =
                        transition.cause() == null ? null : transition.cause().value();
                Instant at = Instant.ofEpochMilli(transition.at());
                return transition.kind() == Transition.Kind.FIRED
                        ? new AlarmChange.Raise(
                                UUID.randomUUID().toString(),
                                alarm.severity(),
                                message(rule, alarm, template),
                                value,
                                at)
                        : new AlarmChange.Clear(value, at);
            }
        }
        return null;
    }

    private static String message(CompiledRule rule, RuleAction.RaiseAlarm alarm, Map<String, Object> template) {
        if (alarm.message() != null) {
            return Templates.fill(alarm.message(), template);
        }
        return rule.rule().name() != null ? rule.rule().name() : rule.id();
    }

    /** The jobs of the actions that run on this transition and are within their rate limits. */
    List<ActionJob> jobs(CompiledRule rule, Transition transition, Map<String, Object> template) {
        RuleAction.On on = transition.kind() == Transition.Kind.FIRED ? RuleAction.On.RAISE : RuleAction.On.CLEAR;
        List<ActionJob> jobs = new ArrayList<>();
        List<RuleAction> actions = rule.rule().actions();
        String context = write(template);
        for (int i = 0; i < actions.size(); i++) {
            RuleAction action = actions.get(i);
            if (action instanceof RuleAction.RaiseAlarm || action.on() != on) {
                continue;
            }
            if (!allowed(rule.id() + "#" + i + "@" + transition.device().value(), action.limit())) {
                metrics.limited.increment();
                continue;
            }
            String id = transition.firingId() + "#" + i + (on == RuleAction.On.CLEAR ? ":clear" : "");
            jobs.add(new ActionJob(
                    id,
                    rule.id(),
                    transition.device(),
                    transition.firingId(),
                    write(RuleDocuments.render(action)),
                    context,
                    0,
                    clock.instant()));
        }
        return jobs;
    }

    private boolean allowed(String key, RateLimit limit) {
        long now = clock.millis();
        ArrayDeque<Long> times = recent.computeIfAbsent(key, k -> new ArrayDeque<>());
        while (!times.isEmpty() && times.peekFirst() <= now - limit.per().toMillis()) {
            times.removeFirst();
        }
        if (times.size() >= limit.count()) {
            return false;
        }
        times.addLast(now);
        return true;
    }

    /** What templates and the default webhook and publish documents are filled from. */
    Map<String, Object> templateContext(CompiledRule rule, Transition transition, PointContext context) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("event", transition.kind().wireName());
        map.put("firing_id", transition.firingId());
        map.put("at", Instant.ofEpochMilli(transition.at()).toString());
        Map<String, Object> ruleMap = new LinkedHashMap<>();
        ruleMap.put("id", rule.id());
        ruleMap.put("name", rule.rule().name() == null ? rule.id() : rule.rule().name());
        map.put("rule", ruleMap);
        if (context != null) {
            map.put("device", context.device().variables);
        } else {
            map.put("device", Map.of("id", transition.device().value()));
        }
        Point cause = transition.cause();
        if (cause != null) {
            map.put("metric", cause.metric());
            map.put("value", cause.value().raw());
            map.put("unit", cause.unit() == null ? "" : cause.unit());
            map.put("ts", cause.timestamp());
        } else if (rule.rule().metric() != null) {
            map.put("metric", rule.rule().metric());
        }
        return map;
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
