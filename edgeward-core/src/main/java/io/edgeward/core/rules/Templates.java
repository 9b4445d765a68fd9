package io.edgeward.core.rules;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code {{device.id}} at {{value}} {{unit}}} from a firing's context: a dotted path into
 * nested maps; a path that names nothing becomes empty text, never an error at run time.
 */
final class Templates {

    private static final Pattern FIELD = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

    private Templates() {}

    static String fill(String template, Map<String, Object> context) {
        if (template == null || template.indexOf("{{") < 0) {
            return template;
        }
        Matcher m = FIELD.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = lookup(context, m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : text(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Fills every string inside a structure of maps and lists (a command's parameters, desired keys). */
    static Object fillAll(Object value, Map<String, Object> context) {
        if (value instanceof String text) {
            return fill(text, context);
        }
        if (value instanceof Map<?, ?> map) {
            java.util.LinkedHashMap<String, Object> filled = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> filled.put(String.valueOf(k), fillAll(v, context)));
            return filled;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(v -> fillAll(v, context)).toList();
        }
        return value;
    }

    private static Object lookup(Map<String, Object> context, String path) {
        Object current = context;
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }

    private static String text(Object value) {
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(value);
    }
}
