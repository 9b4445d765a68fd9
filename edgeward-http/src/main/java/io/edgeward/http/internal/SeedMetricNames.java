package io.edgeward.http.internal;

import java.util.regex.Pattern;

/**
 * The seed names its device gauge {@code iot_device_total}. The Prometheus client refuses a
 * {@code _total} suffix on a gauge (OpenMetrics reserves it for counters) and exports it as
 * {@code iot_device}; the Prometheus text format has no such rule, so the exposition renames
 * this one family back, and dashboards written for the seed work unchanged.
 */
public final class SeedMetricNames {

    private static final Pattern DEVICE_GAUGE = Pattern.compile("(?m)^(# (?:HELP|TYPE) )?iot_device(?=[ {])");

    private SeedMetricNames() {}

    public static String apply(String exposition) {
        return DEVICE_GAUGE.matcher(exposition).replaceAll("$1iot_device_total");
    }
}
