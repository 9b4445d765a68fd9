package io.edgeward.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The target figures of one ingest benchmark run, and their medians over several runs: on a
 * shared 2-core machine the same jar's ratio to Mosquitto and its p99 move by 20 % and more
 * between runs minutes apart, so a verdict rests on the median, with every run's figure beside it.
 */
record Figures(
        double mosquittoRate,
        double storedRate,
        double halfP99,
        double mosquittoHalfP99,
        double brokerHalfP99,
        double halfOwnP99,
        double rssMib,
        double reportedCost,
        double processingRatio) {

    double ratio() {
        return storedRate / mosquittoRate;
    }

    static void printMedians(List<Figures> runs) {
        System.out.printf(Locale.ROOT, "Medians of %d runs (each run's figure in brackets)%n", runs.size());
        System.out.println("------------------------------------------------------------------------------");
        double ratio = median(runs, Figures::ratio);
        double p99 = median(runs, Figures::halfP99);
        double rss = median(runs, Figures::rssMib);
        double cost = median(runs, Figures::reportedCost);
        line(
                "Mosquitto QoS 1 pass-through",
                "%,.0f msg/s",
                median(runs, Figures::mosquittoRate),
                runs,
                Figures::mosquittoRate,
                "%.0f");
        line("Edgeward stored", "%,.0f points/s", median(runs, Figures::storedRate), runs, Figures::storedRate, "%.0f");
        line(
                "Stored / Mosquitto pass-through",
                "%.2f  (target >= 0.80: " + verdict(ratioMet(ratio)) + ")",
                ratio,
                runs,
                Figures::ratio,
                "%.2f");
        line(
                "At half rate: publish->PUBACK p99",
                "%.2f ms  (target < 10 ms: " + verdict(p99Met(p99)) + ")",
                p99,
                runs,
                Figures::halfP99,
                "%.1f");
        line(
                "Mosquitto at the same rate: p99",
                "%.2f ms",
                median(runs, Figures::mosquittoHalfP99),
                runs,
                Figures::mosquittoHalfP99,
                "%.1f");
        line(
                "Embedded broker alone, same rate: p99",
                "%.2f ms",
                median(runs, Figures::brokerHalfP99),
                runs,
                Figures::brokerHalfP99,
                "%.1f");
        line(
                "At half its own max: p99",
                "%.2f ms",
                median(runs, Figures::halfOwnP99),
                runs,
                Figures::halfOwnP99,
                "%.1f");
        line(
                "Edgeward peak RSS (VmHWM)",
                "%.0f MiB  (target < 512 MiB: " + verdict(rssMet(rss)) + ")",
                rss,
                runs,
                Figures::rssMib,
                "%.0f");
        line(
                "Cost of telemetry -> reported state",
                "%.1f %%  (target <= 10 %%: " + verdict(reportedCostMet(cost)) + ")",
                cost * 100,
                runs,
                f -> f.reportedCost() * 100,
                "%.1f");
        double processing = median(runs, Figures::processingRatio);
        line(
                "With 10 windows + 4 filters / without",
                "%.2f  (target >= 0.90: " + verdict(processingMet(processing)) + ")",
                processing,
                runs,
                Figures::processingRatio,
                "%.2f");
        System.out.println("------------------------------------------------------------------------------");
    }

    static double median(List<Figures> runs, ToDoubleFunction<Figures> figure) {
        double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static void line(
            String name,
            String format,
            double median,
            List<Figures> runs,
            ToDoubleFunction<Figures> figure,
            String eachFormat) {
        String each = runs.stream()
                .map(run -> String.format(Locale.ROOT, eachFormat, figure.applyAsDouble(run)))
                .collect(Collectors.joining(", ", " [", "]"));
        IngestBenchmark.row(name, format + "%s", median, each);
    }

    // The targets, judged the same way for one run's table and for the medians.

    static boolean ratioMet(double ratio) {
        return ratio >= 0.8;
    }

    static boolean p99Met(double millis) {
        return millis < 10;
    }

    static boolean rssMet(double mib) {
        return mib < 512;
    }

    static boolean reportedCostMet(double cost) {
        return cost <= 0.10;
    }

    static boolean processingMet(double ratio) {
        return ratio >= 0.9;
    }

    static String verdict(boolean met) {
        return met ? "MET" : "NOT MET";
    }
}
