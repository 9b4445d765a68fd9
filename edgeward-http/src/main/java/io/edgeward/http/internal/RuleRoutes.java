package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.rules.InvalidRuleException;
import io.edgeward.core.rules.Replay;
import io.edgeward.core.rules.RuleDocuments;
import io.edgeward.core.rules.RuleVersion;
import io.edgeward.core.rules.RuleView;
import io.edgeward.core.rules.Rules;
import io.edgeward.core.rules.Transition;
import io.edgeward.core.sync.EdgeConfigApplier;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/rules}: rules read, created, replaced, enabled, deleted, each change a version
 * with its author; validated as saving would (for an editor), and replayed against stored history.
 */
public final class RuleRoutes {

    private static final String DEFAULT_AUTHOR = "api";

    private final Rules rules;
    private final ObjectMapper json;

    public RuleRoutes(Rules rules, ObjectMapper json) {
        this.rules = rules;
        this.json = json;
    }

    public void list(Context ctx) {
        ctx.json(Map.of("rules", rules.list().stream().map(RuleRoutes::view).toList()));
    }

    public void get(Context ctx) {
        ctx.json(view(rules.get(ctx.pathParam("id"))));
    }

    public void create(Context ctx) {
        ObjectNode body = object(ctx);
        String author = author(body);
        Rules.Saved saved = invalidAsProblem(() -> rules.create(document(body), author));
        ctx.status(201)
                .header("Location", "/api/v1/rules/" + saved.rule().stored().id())
                .json(saved(saved));
    }

    /** Replaces the rule; {@code version} in the body, when given, is the version the change was made to. */
    public void replace(Context ctx) {
        ObjectNode body = object(ctx);
        String author = author(body);
        Long expected = expectedVersion(body.get("version"));
        Rules.Saved saved =
                invalidAsProblem(() -> rules.replace(ctx.pathParam("id"), document(body), expected, author));
        ctx.json(saved(saved));
    }

    public void delete(Context ctx) {
        String raw = ctx.queryParam("version");
        Long expected = raw == null ? null : (long) Params.integer("version", raw, 1, Integer.MAX_VALUE);
        rules.delete(ctx.pathParam("id"), expected, author(ctx.queryParam("author")));
        ctx.status(204);
    }

    public void enable(Context ctx) {
        ctx.json(saved(rules.setEnabled(ctx.pathParam("id"), true, author(ctx.queryParam("author")))));
    }

    public void disable(Context ctx) {
        ctx.json(saved(rules.setEnabled(ctx.pathParam("id"), false, author(ctx.queryParam("author")))));
    }

    public void versions(Context ctx) {
        List<Map<String, Object>> versions =
                rules.history(ctx.pathParam("id")).stream().map(this::version).toList();
        ctx.json(Map.of("versions", versions));
    }

    /** Checks a draft as saving it would: 200 with warnings, or the 400 saving would give. */
    public void validate(Context ctx) {
        ObjectNode body = object(ctx);
        List<String> warnings = invalidAsProblem(() -> rules.validate(document(body)));
        ctx.json(Map.of("valid", true, "warnings", warnings));
    }

    /** {@code {"rule_id": "…"} or {"rule": {…}}, with "from" and "to"}: what it would have done. */
    public void replay(Context ctx) {
        ObjectNode body = object(ctx);
        for (String field : List.of("from", "to")) {
            if (!body.hasNonNull(field)) {
                throw ApiException.badRequest(field + " is required (ISO-8601 time or epoch milliseconds)");
            }
        }
        Instant from = Instant.ofEpochMilli(Params.time("from", body.get("from").asText()));
        Instant to = Instant.ofEpochMilli(Params.time("to", body.get("to").asText()));
        if (!to.isAfter(from)) {
            throw ApiException.badRequest("'to' must be after 'from'");
        }
        Replay replay;
        if (body.hasNonNull("rule_id") == body.hasNonNull("rule")) {
            throw ApiException.badRequest("give either rule_id (a saved rule) or rule (a draft)");
        } else if (body.hasNonNull("rule_id")) {
            replay = rules.replay(body.get("rule_id").asText(), from, to);
        } else {
            replay = invalidAsProblem(() -> rules.replay(body.get("rule"), from, to));
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("from", from.toString());
        view.put("to", to.toString());
        view.put(
                "transitions",
                replay.transitions().stream().map(RuleRoutes::transition).toList());
        view.put(
                "fired",
                replay.transitions().stream()
                        .filter(t -> t.kind() == Transition.Kind.FIRED)
                        .count());
        view.put("evaluated", replay.evaluated());
        view.put("errors", replay.errors());
        if (replay.firstError() != null) {
            view.put("first_error", replay.firstError());
        }
        view.put("truncated", replay.truncated());
        ctx.json(view);
    }

    static Map<String, Object> transition(Transition transition) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("event", transition.kind().wireName());
        view.put("device_id", transition.device().value());
        view.put("at", Instant.ofEpochMilli(transition.at()).toString());
        view.put("ts", transition.at());
        view.put("firing_id", transition.firingId());
        if (transition.cause() != null) {
            Map<String, Object> cause = Views.point(transition.cause());
            cause.put("metric", transition.cause().metric());
            view.put("point", cause);
        }
        return view;
    }

    private static Map<String, Object> view(RuleView rule) {
        Map<String, Object> view = new LinkedHashMap<>();
        ObjectMapper mapper = new ObjectMapper();
        if (rule.rule() != null) {
            view.putAll(mapper.convertValue(RuleDocuments.render(rule.rule()), Map.class));
            view.put("valid", true);
        } else {
            try {
                view.putAll(mapper.readValue(rule.stored().document(), Map.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                view.put("id", rule.stored().id());
            }
            view.put("valid", false);
        }
        view.put("version", rule.stored().version());
        view.put("author", rule.stored().author());
        view.put("updated_at", Views.iso(rule.stored().updatedAt()));
        view.put("last_fired", Views.iso(rule.lastFired()));
        if (rule.lastError() != null) {
            view.put(
                    "last_error",
                    Map.of(
                            "at", rule.lastError().at().toString(),
                            "device_id", rule.lastError().device(),
                            "message", rule.lastError().message()));
        }
        return view;
    }

    private static Map<String, Object> saved(Rules.Saved saved) {
        Map<String, Object> view = view(saved.rule());
        view.put("warnings", saved.warnings());
        return view;
    }

    private Map<String, Object> version(RuleVersion version) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", version.version());
        view.put("author", version.author());
        view.put("at", version.at().toString());
        view.put("deleted", version.document() == null);
        if (version.document() != null) {
            try {
                view.put("rule", json.readTree(version.document()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                view.put("rule", version.document());
            }
        }
        return view;
    }

    private ObjectNode object(Context ctx) {
        JsonNode body = Bodies.read(json, ctx, JsonNode.class);
        if (!(body instanceof ObjectNode object)) {
            throw ApiException.badRequest("expected a JSON object");
        }
        return object;
    }

    /** The rule document: the body without the request's own fields. */
    private static ObjectNode document(ObjectNode body) {
        ObjectNode document = body.deepCopy();
        document.remove(List.of("author", "version"));
        return document;
    }

    private static String author(ObjectNode body) {
        return author(body.hasNonNull("author") ? body.get("author").asText() : null);
    }

    private static String author(String raw) {
        if (raw == null) {
            return DEFAULT_AUTHOR;
        }
        if (raw.isBlank()
                || raw.length() > 128
                || raw.equals("config")
                || raw.startsWith("file:")
                || raw.equals(EdgeConfigApplier.AUTHOR)) {
            // 'cloud' marks the rules the cloud manages at an edge (it deletes those it no longer lists).
            throw ApiException.badRequest("author must be 1-128 characters, not 'config', 'cloud' nor 'file:…'");
        }
        return raw;
    }

    private static Long expectedVersion(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToLong() || node.asLong() < 0) {
            throw ApiException.badRequest("version must be the version the change was made to, a number");
        }
        return node.asLong();
    }

    private static <T> T invalidAsProblem(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (InvalidRuleException e) {
            Map<String, Object> positions = new LinkedHashMap<>();
            e.positions()
                    .forEach((field, list) -> positions.put(
                            field,
                            list.stream()
                                    .map(p -> Map.of("line", p.line(), "column", p.column(), "message", p.message()))
                                    .toList()));
            throw new ApiException(Problem.of(400, "invalid-rule", "Invalid rule", e.getMessage())
                    .with(Map.of("problems", e.problems(), "positions", positions)));
        }
    }
}
