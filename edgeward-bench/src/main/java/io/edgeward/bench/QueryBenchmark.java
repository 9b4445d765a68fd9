package io.edgeward.bench;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.telemetry.BucketSeries;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.Tier;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * {@code bench query}: the store's long-range queries (issue 20). Loads a year of 1-minute points
 * for 20 series and a dense day (10 points a second) into the embedded SQLite store through its
 * write path, then times bucket queries answered from the rollup tiers against the same queries
 * recomputed from the raw points ({@code source=raw}), in the same run, and prints the bytes each
 * stored raw point takes on disk.
 */
final class QueryBenchmark {

    private static final long DAY = Tier.DAY.millis();
    private static final long YEAR_START = Tier.DAY.bucketOf(1_735_689_600_000L); // 2025-01-01
    private static final int DAYS = 365;

    private final Path dir;
    /** A PostgreSQL URL (a database the user may create tables in), or null for SQLite in {@link #dir}. */
    private final String postgres;

    private final int series;
    private final int queries;
    private TelemetryQueries queriesOf;

    private QueryBenchmark(Path dir, String postgres, int series, int queries) {
        this.dir = dir;
        this.postgres = postgres;
        this.series = series;
        this.queries = queries;
    }

    static void main(String[] args) throws Exception {
        int series = 20;
        int queries = 200;
        String postgres = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--series" -> series = Integer.parseInt(args[++i]);
                case "--queries" -> queries = Integer.parseInt(args[++i]);
                case "--postgres" -> postgres = args[++i];
                case "--help", "-h" -> {
                    System.out.println("""
                            usage: bench query [--series 20] [--queries 200] [--postgres JDBC-URL]
                              loads a year of 1-minute points per series plus a dense day (10 Hz), then times
                              one-day queries at 1m buckets and one-year queries at 1d buckets from the rollup
                              tiers against the raw-point recomputation; targets: < 20 ms p99 each. --postgres runs it
                              on an empty PostgreSQL database (user and password in the URL) instead of SQLite""");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        Path dir = Files.createTempDirectory("edgeward-query-bench");
        new QueryBenchmark(dir, postgres, series, queries).run();
    }

    private void run() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "Edgeward query benchmark: %d series x %d days of 1-minute points + a dense day at 10 Hz, %s%n%n",
                series,
                DAYS,
                postgres == null ? "SQLite in " + dir : "PostgreSQL");
        StoreSettings settings =
                postgres == null ? StoreSettings.embedded(dir) : new StoreSettings(postgres, "", "", 4);
        try (SqlStore store = SqlStore.open(settings, Threads.named("query-bench"))) {
            store.start();
            long points = load(store);
            this.queriesOf = new TelemetryQueries(store.telemetryReader());
            Random random = new Random(1);
            DeviceId dense = DeviceId.of("dense");
            long denseDay = YEAR_START + 200 * DAY;

            System.out.println();
            List<String[]> rows = new ArrayList<>();
            rows.add(measure(
                    "one day, 1m buckets (1-minute series)",
                    i -> new Query(
                            device(random.nextInt(series)),
                            YEAR_START + random.nextInt(DAYS) * DAY,
                            DAY,
                            Duration.ofMinutes(1)),
                    queries));
            rows.add(measure(
                    "one day, 1m buckets (the dense day, 864,000 points)",
                    i -> new Query(dense, denseDay, DAY, Duration.ofMinutes(1)),
                    queries));
            rows.add(measure(
                    "one year, 1d buckets (525,600 points)",
                    i -> new Query(device(random.nextInt(series)), YEAR_START, DAYS * DAY, Duration.ofDays(1)),
                    queries));
            System.out.println();
            System.out.println("Results (same store, same run; p50 / p99 over " + this.queries + " queries each)");
            System.out.println("-".repeat(96));
            System.out.printf(
                    Locale.ROOT, "%-52s %-20s %-20s %s%n", "query", "from rollups", "raw scan", "target p99 < 20 ms");
            for (String[] row : rows) {
                System.out.printf(Locale.ROOT, "%-52s %-20s %-20s %s%n", (Object[]) row);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-52s %.1f B (%,d points; first target <= 24 B: %s)%n",
                    "Disk per stored raw point (series table)",
                    bytesPerPoint(points),
                    points,
                    bytesPerPoint(points) <= 24 ? "MET" : "NOT MET");
            System.out.println("-".repeat(96));
        }
    }

    private record Query(DeviceId device, long from, long span, Duration interval) {}

    private static DeviceId device(int n) {
        return DeviceId.of(String.format(Locale.ROOT, "meter-%02d", n));
    }

    /** Times each query from the tiers and recomputed from raw points, alternating; returns a table row. */
    /** Times each query from the tiers and recomputed from raw points, one after the other; returns a table row. */
    private String[] measure(String name, IntFunction<Query> next, int count) {
        long[] tiers = new long[count];
        long[] raw = new long[count];
        for (int i = -20; i < count; i++) { // 20 warm-up rounds
            Query q = next.apply(i);
            TimeRange range = new TimeRange(q.from(), q.from() + q.span());
            long t0 = System.nanoTime();
            BucketSeries fromTiers = queriesOf.buckets(q.device(), "value", range, q.interval());
            long t1 = System.nanoTime();
            BucketSeries fromRaw = queriesOf.buckets(q.device(), "value", range, q.interval(), true);
            long t2 = System.nanoTime();
            if (fromTiers.buckets().size() != fromRaw.buckets().size()
                    || !fromTiers.source().equals(q.interval().toDays() >= 1 ? "1d" : "1m")) {
                throw new IllegalStateException(name + ": the tiers (" + fromTiers.sources() + ") gave "
                        + fromTiers.buckets().size() + " buckets, the raw points "
                        + fromRaw.buckets().size());
            }
            if (i >= 0) {
                tiers[i] = t1 - t0;
                raw[i] = t2 - t1;
            }
        }
        System.out.printf(Locale.ROOT, "  %-52s tiers %s, raw %s%n", name, figures(tiers), figures(raw));
        double p99 = percentile(tiers, 0.99);
        return new String[] {
            name,
            figures(tiers),
            figures(raw),
            String.format(
                    Locale.ROOT,
                    "%.2f ms: %s (raw/tiers p99 %.0fx)",
                    p99,
                    p99 < 20 ? "MET" : "NOT MET",
                    percentile(raw, 0.99) / p99)
        };
    }

    private static String figures(long[] nanos) {
        return String.format(Locale.ROOT, "%.2f / %.2f ms", percentile(nanos, 0.50), percentile(nanos, 0.99));
    }

    /** The percentile in milliseconds. */
    private static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** Commits every point through the store's write path (group commits of 20,000 points), with progress. */
    private long load(SqlStore store) {
        long started = System.nanoTime();
        long total = (long) series * DAYS * 1440 + 864_000;
        long loaded = 0;
        int reported = 0;
        List<Point> batch = new ArrayList<>(20_000);
        for (long minute = 0; minute < DAYS * 1440L; minute++) {
            long ts = YEAR_START + minute * 60_000;
            for (int s = 0; s < series; s++) {
                // A daily cycle with noise: values a compressing store can do something with, or not.
                double value = 20 + 5 * Math.sin(minute * Math.PI / 720) + ((minute * 31 + s * 17) % 100) / 100.0;
                batch.add(new Point(device(s), "value", ts, Value.of(Math.round(value * 100) / 100.0), "C"));
            }
            if (batch.size() >= 20_000) {
                loaded += commit(store, batch);
                reported = progress(loaded, total, reported, started);
            }
        }
        long denseDay = YEAR_START + 200 * DAY;
        for (long i = 0; i < 864_000; i++) {
            batch.add(new Point(DeviceId.of("dense"), "value", denseDay + i * 100, Value.of(i % 1000 / 10.0), "Hz"));
            if (batch.size() >= 20_000) {
                loaded += commit(store, batch);
                reported = progress(loaded, total, reported, started);
            }
        }
        loaded += commit(store, batch);
        store.telemetryReader().latest(DeviceId.of("dense")); // SQLite: waits for the merger, tiers included
        long tiersFrom = System.nanoTime();
        for (int s = 0; s < series; s++) {
            store.telemetryReader().series(device(s)); // PostgreSQL: catches the device's tiers up
        }
        store.telemetryReader().series(DeviceId.of("dense"));
        System.out.printf(
                Locale.ROOT, "  tiers caught up %.0f s after the last commit%n", (System.nanoTime() - tiersFrom) / 1e9);
        System.out.printf(
                Locale.ROOT,
                "  loaded %,d points in %.0f s (merged into the series table and the tiers)%n",
                loaded,
                (System.nanoTime() - started) / 1e9);
        return loaded;
    }

    private static int commit(SqlStore store, List<Point> batch) {
        int n = batch.size();
        if (n > 0) {
            store.telemetryWriter().commit(CommitBatch.of(List.copyOf(batch)));
            batch.clear();
        }
        return n;
    }

    private static int progress(long loaded, long total, int reported, long started) {
        int percent = (int) (loaded * 100 / total);
        if (percent >= reported + 10) {
            System.out.printf(
                    Locale.ROOT,
                    "  loading: %d %% (%,d points, %.0f s)%n",
                    percent,
                    loaded,
                    (System.nanoTime() - started) / 1e9);
            return percent - percent % 10;
        }
        return reported;
    }

    /** The raw points' pages (SQLite's dbstat; PostgreSQL: the table with its index and TOAST), over the points in it. */
    private double bytesPerPoint(long points) throws Exception {
        if (postgres != null) {
            try (Connection connection = DriverManager.getConnection(postgres);
                    Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT pg_total_relation_size('telemetry')")) {
                rs.next();
                return (double) rs.getLong(1) / points;
            }
        }
        Path file = dir.resolve("edgeward-telemetry.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement();
                // The points and the series they are keyed by (with its index of names).
                ResultSet rs = statement.executeQuery("SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                        + "('points', 'series', 'sqlite_autoindex_series_1')")) {
            rs.next();
            return (double) rs.getLong(1) / points;
        }
    }
}
