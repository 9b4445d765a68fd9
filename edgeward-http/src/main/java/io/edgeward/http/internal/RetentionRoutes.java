package io.edgeward.http.internal;

import io.edgeward.core.retention.Level;
import io.edgeward.core.retention.Retention;
import io.edgeward.core.retention.RetentionPolicy;
import io.edgeward.core.retention.RetentionRule;
import io.edgeward.core.time.Durations;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /api/v1/retention}: how long each level is kept, what is stored and what has gone. */
public final class RetentionRoutes {

    private final Retention retention;

    public RetentionRoutes(Retention retention) {
        this.retention = retention;
    }

    public void get(Context ctx) {
        Retention.Status status = retention.status();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("interval", Durations.format(status.settings().interval()));
        body.put(
                "max_disk_bytes",
                status.settings().maxDisk() > 0 ? status.settings().maxDisk() : null);
        body.put("used_bytes", status.usedBytes() >= 0 ? status.usedBytes() : null);
        body.put("last_pass", status.lastPass() == null ? null : Views.iso(status.lastPass()));
        List<Map<String, Object>> levels = new ArrayList<>();
        for (Level level : Level.FINEST_FIRST) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("level", level.wireName());
            one.put("keep", period(status.settings().defaults().of(level)));
            Long oldest = status.oldest().get(level);
            one.put("oldest", oldest == null ? null : Views.iso(Instant.ofEpochMilli(oldest)));
            one.put("expired", status.expired().get(level));
            one.put("evicted", status.evicted().get(level));
            levels.add(one);
        }
        body.put("levels", levels);
        List<Map<String, Object>> overrides = new ArrayList<>();
        for (RetentionRule rule : status.settings().overrides()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("match", rule.match().toMap());
            for (Level level : Level.FINEST_FIRST) {
                Duration period = rule.periods().get(level);
                if (period != null) {
                    one.put(level.wireName(), period(period));
                }
            }
            overrides.add(one);
        }
        body.put("overrides", overrides);
        ctx.json(body);
    }

    private static String period(Duration period) {
        return period.equals(RetentionPolicy.FOREVER) ? "forever" : Durations.format(period);
    }
}
