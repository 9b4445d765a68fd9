package io.edgeward.core.device;

import io.edgeward.core.observability.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentications per source address and per identity, and the wait the next failure
 * earns: none for the first {@link #FREE_FAILURES}, then doubling from {@link #FIRST_DELAY} up to
 * {@link #MAX_DELAY}; a key that has not failed for {@link #FORGET_AFTER} starts afresh.
 *
 * <p>Only failures are throttled. A transport checks the credentials first and admits the right
 * secret at once, so a flood of wrong passwords from a device's own address (or against its id)
 * never locks that device out; the flood itself is told to back off (MQTT 5: CONNACK 0x9F with the
 * wait in its reason string; CoAP: 4.29; HTTP: 429 with Retry-After) and costs no log line beyond
 * one a minute. Secrets are 256 random bits, so this is not about guessing: it bounds what a
 * stranger's requests cost the node and its log.
 *
 * <p>Memory is bounded: at most {@link #MAX_KEYS} keys, forgotten all at once beyond that (a
 * flood from more addresses than that is the network's to stop).
 */
public final class FailedAuthentications {

    static final int FREE_FAILURES = 5;
    static final Duration FIRST_DELAY = Duration.ofMillis(100);
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);
    static final int MAX_KEYS = 20_000;

    private static final Logger LOG = LoggerFactory.getLogger(FailedAuthentications.class);

    private final String transport;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Failures> byKey = new ConcurrentHashMap<>();
    private final RateLimitedLog log;
    private final Counter throttled;

    /** @param transport names the log lines and the {@code transport} label of {@code edgeward_auth_throttled_total}: mqtt, coap, http */
    public FailedAuthentications(String transport, MeterRegistry meters) {
        this(transport, meters, System::nanoTime);
    }

    FailedAuthentications(String transport, MeterRegistry meters, LongSupplier nanoTime) {
        this.transport = transport;
        this.nanoTime = nanoTime;
        this.log = new RateLimitedLog(Duration.ofMinutes(1), nanoTime);
        this.throttled = Counter.builder("edgeward.auth.throttled")
                .description(
                        "Failed authentications answered with MQTT 0x9F, CoAP 4.29 or HTTP 429 because of earlier failures, by transport")
                .tag("transport", transport)
                .register(meters);
    }

    /**
     * Records a failure and returns how long its sender should wait before trying again (zero while
     * failures are still free): the larger of what its source and its identity have earned. {@code identity} may be null (a token names none).
     */
    public Duration failed(String source, String identity) {
        long now = nanoTime.getAsLong();
        int count = Math.max(record("s:" + source, now), identity == null ? 0 : record("i:" + identity, now));
        Duration delay = delayAfter(count);
        if (!delay.isZero()) {
            throttled.increment();
            if (log.allow(transport)) {
                LOG.warn(
                        "Failed {} authentications are being throttled: {} from {}{}; the next must wait {} ms "
                                + "(logged once a minute){}",
                        transport,
                        count,
                        RateLimitedLog.printable(source, 64),
                        identity == null ? "" : " for '" + RateLimitedLog.printable(identity, 64) + "'",
                        delay.toMillis(),
                        log.suppressedNote());
            }
        }
        return delay;
    }

    /** The delay a failure from this source (or against this identity) would earn now, without recording one. */
    Duration penalty(String source, String identity) {
        long now = nanoTime.getAsLong();
        int count = Math.max(current("s:" + source, now), identity == null ? 0 : current("i:" + identity, now));
        return delayAfter(count + 1);
    }

    static Duration delayAfter(int failures) {
        if (failures <= FREE_FAILURES) {
            return Duration.ZERO;
        }
        int doublings = Math.min(failures - FREE_FAILURES - 1, 20);
        long millis = Math.min(FIRST_DELAY.toMillis() << doublings, MAX_DELAY.toMillis());
        return Duration.ofMillis(millis);
    }

    private int record(String key, long now) {
        if (byKey.size() >= MAX_KEYS && !byKey.containsKey(key)) {
            byKey.clear();
        }
        return byKey.compute(
                        key,
                        (k, previous) -> previous == null || previous.expired(now)
                                ? new Failures(1, now)
                                : new Failures(previous.count + 1, now))
                .count;
    }

    private int current(String key, long now) {
        Failures failures = byKey.get(key);
        return failures == null || failures.expired(now) ? 0 : failures.count;
    }

    private record Failures(int count, long lastNanos) {
        boolean expired(long now) {
            return now - lastNanos >= TimeUnit.MINUTES.toNanos(FORGET_AFTER.toMinutes());
        }
    }
}
