package io.edgeward.server.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.lifecycle.Lifecycle;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.rules.Alarm;
import io.edgeward.core.rules.AlarmDocuments;
import io.edgeward.core.rules.LocalPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each alarm change on MQTT {@code alarms/{device_id}/{rule_id}} (QoS 1, retained: a subscriber
 * that connects later learns each alarm's state), for operator users whose ACL lets them
 * subscribe. Published in order on a thread of its own: the rules engine hands the change over and
 * goes on evaluating, where waiting for the broker to take each message (a retained one is stored)
 * held up the next point's evaluation and the firing's actions by milliseconds.
 *
 * <p>The events are a notification; the alarms themselves are in the store (REST API, server-sent
 * events). Should more than {@value #CAPACITY} changes wait, an alarm storm, further ones are
 * dropped and counted ({@code edgeward_alarm_events_dropped_total}).
 */
public final class AlarmEvents implements Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(AlarmEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CAPACITY = 10_000;

    private final LocalPublisher broker;
    private final Threads threads;
    private final BlockingQueue<Alarm> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Counter dropped;
    private final RateLimitedLog warnings = RateLimitedLog.perMinute();
    private volatile boolean closed;
    private Thread publisher;

    public AlarmEvents(LocalPublisher broker, MeterRegistry meters, Threads threads) {
        this.broker = broker;
        this.threads = threads;
        this.dropped = Counter.builder("edgeward.alarm.events.dropped")
                .description("Alarm changes not published on MQTT because too many waited (an alarm storm)")
                .register(meters);
    }

    @Override
    public synchronized void start() {
        if (publisher == null && !closed) {
            publisher = threads.platform("alarm-events").newThread(this::run);
            publisher.start();
        }
    }

    /** An alarm's change, from the rules engine's thread: queued, never waits. */
    public void changed(Alarm alarm) {
        if (closed || !queue.offer(alarm)) {
            dropped.increment();
            if (warnings.allow("dropped")) {
                LOG.warn("Alarm changes arrive faster than the broker takes them: some are not published on MQTT"
                        + " (see edgeward_alarm_events_dropped_total; the alarms are stored)");
            }
        }
    }

    private void run() {
        while (!closed || !queue.isEmpty()) {
            Alarm alarm;
            try {
                alarm = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (alarm != null) {
                publish(alarm);
            }
        }
    }

    private void publish(Alarm alarm) {
        try {
            broker.publish(AlarmDocuments.topic(alarm), JSON.writeValueAsBytes(AlarmDocuments.view(alarm)), 1, true);
        } catch (Exception e) {
            if (warnings.allow("failed")) {
                LOG.warn("Alarm {} not published on MQTT: {}", alarm.id(), e.toString());
            }
        }
    }

    /** Publishes what waits (at most 5 s), then stops. */
    @Override
    public void close() {
        Thread thread;
        synchronized (this) {
            closed = true;
            thread = publisher;
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread.interrupt();
        }
    }
}
