package io.edgeward.bench;

import java.util.Arrays;

/** {@code bench [ingest] ...} runs the ingest benchmark, {@code bench devices ...} the shadow and command one, {@code bench coap ...} CoAP telemetry,
 * {@code bench storm ...} a reconnect storm, {@code bench abuse ...} floods while a good device publishes,
 * {@code bench query ...} long-range queries from the rollup tiers against raw scans, {@code bench retention ...}
 * ingest while a large expiry runs, {@code bench rules ...} ingest with 1,000 rules and the latency of a firing,
 * {@code bench ota ...} 1,000 devices downloading an image at once and a delta's size. */
public final class Bench {

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("devices")) {
            DeviceBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("coap")) {
            CoapBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("storm")) {
            StormBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("abuse")) {
            AbuseBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("retention")) {
            RetentionBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("rules")) {
            RulesBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("ota")) {
            OtaBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("sync-faults")) {
            SyncFaultsBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("sync")) {
            SyncBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("query")) {
            QueryBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && args[0].equals("ingest")) {
            IngestBenchmark.main(Arrays.copyOfRange(args, 1, args.length));
        } else {
            IngestBenchmark.main(args);
        }
    }
}
