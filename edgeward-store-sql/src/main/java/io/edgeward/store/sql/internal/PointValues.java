package io.edgeward.store.sql.internal;

import java.sql.Statement;
import org.flywaydb.core.api.migration.Context;

/**
 * How SQLite's series file keeps a point's value in the one untyped column {@code v} of {@code
 * points}, written by the merger and read through the view {@code telemetry}.
 *
 * <p>A number is a REAL, 8 bytes, unless it is a short decimal: what sensors send (21.5, 1013.25,
 * 0.07) has at most a few digits after the point, and such a number is kept as its digits, an
 * integer (the technique of VictoriaMetrics' decimal encoding): {@code m * 8 + (2 + d)} for {@code
 * m / 10^d} with d from 0 to 5, two or three bytes for most readings. It is exact: a number is
 * encoded only when dividing its digits by 10^d gives back the very same double (both sides are
 * IEEE divisions, correctly rounded), so reading divides and gets it; any other number stays a
 * REAL. (-0.0 reads as 0, as it did before: the log's REAL column keeps an integral value as an
 * integer.) A boolean is the integer 0 or 1 (which SQLite keeps in the row header alone), never
 * the low bits of a number; a string is TEXT.
 *
 * <p>Stores from before this encoding keep their REALs, which read as they are.
 */
public final class PointValues {

    /** Digits after the point an encoded decimal may have: 10^5 times |x| < 10^10 stays under 2^53. */
    private static final int MAX_DECIMALS = 5;
    /** Larger numbers stay REALs: their digits could exceed a double's exact integers. */
    private static final String MAX_MAGNITUDE = "1e10";

    private PointValues() {}

    /** The stored value of a point given as the columns {@code num}, {@code bool} and {@code str} (one of them set). */
    static String encode(String num, String bool, String str) {
        StringBuilder sql = new StringBuilder("CASE WHEN ")
                .append(num)
                .append(" IS NULL THEN COALESCE(")
                .append(bool)
                .append(", ")
                .append(str)
                .append(") WHEN ")
                .append(num)
                .append(" > -")
                .append(MAX_MAGNITUDE)
                .append(" AND ")
                .append(num)
                .append(" < ")
                .append(MAX_MAGNITUDE)
                .append(" THEN CASE");
        for (int d = 0; d <= MAX_DECIMALS; d++) {
            String digits = d == 0 ? "round(" + num + ")" : "round(" + num + " * " + scale(d) + ")";
            sql.append(" WHEN ")
                    .append(d == 0 ? digits : digits + " / " + scale(d))
                    .append(" = ")
                    .append(num)
                    .append(" THEN (CAST(")
                    .append(digits)
                    .append(" AS INTEGER) << 3) | ")
                    .append(2 + d);
        }
        return sql.append(" ELSE ")
                .append(num)
                .append(" END ELSE ")
                .append(num)
                .append(" END")
                .toString();
    }

    /** The number stored in {@code v}, or null. */
    static String num(String v) {
        StringBuilder sql = new StringBuilder("CASE typeof(")
                .append(v)
                .append(") WHEN 'real' THEN ")
                .append(v)
                .append(" WHEN 'integer' THEN CASE (")
                .append(v)
                .append(" & 7)");
        for (int d = 0; d <= MAX_DECIMALS; d++) {
            sql.append(" WHEN ").append(2 + d).append(" THEN (").append(v).append(" >> 3) ");
            sql.append(d == 0 ? "* 1.0" : "/ " + scale(d));
        }
        return sql.append(" END END").toString();
    }

    /** The boolean (0 or 1) stored in {@code v}, or null. */
    static String bool(String v) {
        return "CASE WHEN typeof(" + v + ") = 'integer' AND (" + v + " & 7) < 2 THEN " + v + " END";
    }

    /** The string stored in {@code v}, or null. */
    static String str(String v) {
        return "CASE typeof(" + v + ") WHEN 'text' THEN " + v + " END";
    }

    private static String scale(int decimals) {
        return "1" + "0".repeat(decimals) + ".0";
    }

    /**
     * Version 5 of the series file: the view and its insert trigger (see {@code V4}) with the
     * decimal encoding. Stored values need no change: a REAL reads as before, and a boolean was
     * 0 or 1 already. A Java migration, so that the encoding is written once, here.
     */
    public static final class Migration extends CodeMigration {

        public Migration() {
            super("5", "decimal point values");
        }

        @Override
        public void migrate(Context context) throws Exception {
            try (Statement statement = context.getConnection().createStatement()) {
                statement.execute("DROP TRIGGER telemetry_insert");
                statement.execute("DROP VIEW telemetry");
                statement.execute("CREATE VIEW telemetry AS SELECT s.device_id AS device_id, s.metric AS metric, "
                        + "p.ts AS ts, " + num("p.v") + " AS num, " + bool("p.v") + " AS bool, " + str("p.v")
                        + " AS str, NULL AS unit FROM points p JOIN series s ON s.id = p.series");
                // For the main file's own migration of points stored before the series file existed.
                statement.execute("CREATE TRIGGER telemetry_insert INSTEAD OF INSERT ON telemetry BEGIN "
                        + "INSERT INTO series (device_id, metric) VALUES (NEW.device_id, NEW.metric) "
                        + "ON CONFLICT (device_id, metric) DO NOTHING; "
                        + "INSERT INTO points (series, ts, v) VALUES ((SELECT id FROM series WHERE device_id = "
                        + "NEW.device_id AND metric = NEW.metric), NEW.ts, " + encode("NEW.num", "NEW.bool", "NEW.str")
                        + ") ON CONFLICT (series, ts) DO UPDATE SET v = excluded.v; END");
            }
        }
    }
}
