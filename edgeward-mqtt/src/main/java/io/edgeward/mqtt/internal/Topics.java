package io.edgeward.mqtt.internal;

/** MQTT topic-filter algebra for access control. */
public final class Topics {

    private Topics() {}

    /**
     * True when every topic that {@code filter} can match is also matched by {@code pattern}.
     * For a plain topic name (no wildcards) this is ordinary filter matching.
     */
    public static boolean covers(String pattern, String filter) {
        String[] p = pattern.split("/", -1);
        String[] f = filter.split("/", -1);
        // A wildcard in the first level never matches topics starting with '$' (MQTT 4.7.2).
        if (!f[0].isEmpty() && f[0].charAt(0) == '$' && (p[0].equals("#") || p[0].equals("+"))) {
            return false;
        }
        int i = 0;
        for (; i < p.length; i++) {
            if (p[i].equals("#")) {
                return true;
            }
            if (i >= f.length) {
                return false;
            }
            if (f[i].equals("#")) {
                return false;
            }
            if (p[i].equals("+")) {
                continue;
            }
            if (!p[i].equals(f[i])) {
                return false;
            }
        }
        return i == f.length;
    }

    /** The filter without a {@code $share/{group}/} prefix. */
    public static String unshared(String filter) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', "$share/".length());
            return slash < 0 ? filter : filter.substring(slash + 1);
        }
        return filter;
    }
}
