package io.edgeward.device;

/**
 * The outcome of a simulator run. Latencies are publish → acknowledgement (PUBACK/PUBCOMP;
 * for QoS 0, until the message was written). Everything but {@code warmupAcked} covers the
 * measured part only, after the warm-up.
 */
public record Summary(
        int devices,
        long sent,
        long acked,
        long errors,
        long reconnects,
        double seconds,
        double ackedPerSecond,
        double p50Millis,
        double p99Millis,
        double maxMillis,
        long warmupAcked) {

    public String describe() {
        return String.format(
                "%d devices, %.1f s: sent %d, acked %d (%.0f msg/s), errors %d, reconnects %d; publish->ack p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                devices, seconds, sent, acked, ackedPerSecond, errors, reconnects, p50Millis, p99Millis, maxMillis);
    }
}
