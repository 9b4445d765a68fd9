package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.rules.Alarm;
import io.edgeward.core.rules.AlarmDocuments;
import io.edgeward.core.rules.AlarmEvent;
import io.edgeward.core.rules.AlarmQuery;
import io.edgeward.core.rules.AlarmStatus;
import io.edgeward.core.rules.Rules;
import io.edgeward.core.rules.Severity;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /api/v1/alarms}: listed newest first a page at a time (filtered by status, severity,
 * device, rule and time), acknowledged and cleared with who and a comment, each with its history.
 */
public final class AlarmRoutes {

    private final Rules rules;
    private final ObjectMapper json;

    public AlarmRoutes(Rules rules, ObjectMapper json) {
        this.rules = rules;
        this.json = json;
    }

    public void list(Context ctx) {
        int limit = ctx.queryParam("limit") == null ? 100 : Params.integer("limit", ctx.queryParam("limit"), 1, 1000);
        AlarmQuery query = new AlarmQuery(
                statuses(ctx.queryParam("status")),
                severities(ctx.queryParam("severity")),
                ctx.queryParam("device") == null ? null : DeviceId.of(ctx.queryParam("device")),
                ctx.queryParam("rule"),
                ctx.queryParam("from") == null
                        ? null
                        : Instant.ofEpochMilli(Params.time("from", ctx.queryParam("from"))),
                ctx.queryParam("to") == null ? null : Instant.ofEpochMilli(Params.time("to", ctx.queryParam("to"))),
                cursor(ctx.queryParam("cursor")),
                limit);
        List<Alarm> alarms = rules.alarms(query);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("alarms", alarms.stream().map(AlarmRoutes::view).toList());
        if (alarms.size() == limit) {
            Alarm last = alarms.getLast();
            view.put("next_cursor", encode(last));
        }
        ctx.json(view);
    }

    public void get(Context ctx) {
        Alarm alarm = rules.alarm(ctx.pathParam("id"));
        Map<String, Object> view = view(alarm);
        view.put(
                "history",
                rules.alarmHistory(alarm.id()).stream().map(AlarmRoutes::event).toList());
        ctx.json(view);
    }

    public void acknowledge(Context ctx) {
        Action action = action(ctx);
        ctx.json(view(rules.acknowledge(ctx.pathParam("id"), action.by(), action.comment())));
    }

    public void clear(Context ctx) {
        Action action = action(ctx);
        ctx.json(view(rules.clear(ctx.pathParam("id"), action.by(), action.comment())));
    }

    private record Action(String by, String comment) {}

    private Action action(Context ctx) {
        if (ctx.body().isBlank()) {
            return new Action("api", null);
        }
        JsonNode body = Bodies.read(json, ctx, JsonNode.class);
        String by = body.hasNonNull("by") ? body.get("by").asText() : "api";
        String comment = body.hasNonNull("comment") ? body.get("comment").asText() : null;
        if (by.isBlank() || by.length() > 128) {
            throw ApiException.badRequest("by must be 1-128 characters");
        }
        if (comment != null && comment.length() > 2000) {
            throw ApiException.badRequest("comment must be at most 2000 characters");
        }
        return new Action(by, comment);
    }

    static Map<String, Object> view(Alarm alarm) {
        return AlarmDocuments.view(alarm);
    }

    private static Map<String, Object> event(AlarmEvent event) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("at", event.at().toString());
        view.put("event", event.kind().wireName());
        view.put("by", event.actor());
        view.put("comment", event.comment());
        return view;
    }

    private static Set<AlarmStatus> statuses(String raw) {
        Set<AlarmStatus> statuses = new LinkedHashSet<>();
        if (raw == null) {
            return statuses;
        }
        for (String part : raw.split(",")) {
            switch (part.trim()) {
                case "active" -> statuses.addAll(List.of(AlarmStatus.ACTIVE_UNACK, AlarmStatus.ACTIVE_ACK));
                case "cleared" -> statuses.addAll(List.of(AlarmStatus.CLEARED_UNACK, AlarmStatus.CLEARED_ACK));
                case "unack" -> statuses.addAll(List.of(AlarmStatus.ACTIVE_UNACK, AlarmStatus.CLEARED_UNACK));
                default -> {
                    try {
                        statuses.add(AlarmStatus.fromWire(part.trim()));
                    } catch (IllegalArgumentException e) {
                        throw ApiException.badRequest("status: " + e.getMessage() + ", or active, cleared, unack");
                    }
                }
            }
        }
        return statuses;
    }

    private static Set<Severity> severities(String raw) {
        Set<Severity> severities = new LinkedHashSet<>();
        if (raw != null) {
            for (String part : raw.split(",")) {
                try {
                    severities.add(Severity.fromWire(part.trim()));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("severity: " + e.getMessage());
                }
            }
        }
        return severities;
    }

    private static String encode(Alarm alarm) {
        String raw = alarm.createdAt().toEpochMilli() + ":" + alarm.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static AlarmQuery.Cursor cursor(String raw) {
        if (raw == null) {
            return null;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return new AlarmQuery.Cursor(
                    Instant.ofEpochMilli(Long.parseLong(decoded.substring(0, colon))), decoded.substring(colon + 1));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw ApiException.badRequest("cursor: not one this API gave (use next_cursor as it came)");
        }
    }
}
