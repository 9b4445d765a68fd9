package io.edgeward.sync.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one JetStream stream in its order with a durable pull consumer, acknowledging each message
 * once it is handled, until told to stop.
 *
 * <p>Order is what the receiving side's marks rely on: a message handled after a later one would
 * look stored already. JetStream delivers a message that was lost on the way (the connection or the
 * server went away while it travelled) again only after the ack wait, and later ones meanwhile; so
 * each time the reader binds (at the start, after any failure, and when a message could not be
 * handled) it makes the consumer again from just after its acknowledgement floor, the last message
 * handled: nothing after it was handled, everything after it comes again, in order. The
 * subscription is also bound again when it has fetched nothing for {@link #STALL} while the
 * consumer has messages for it (seen after nats-server was killed and started again).
 */
final class PullReader {

    private static final Logger LOG = LoggerFactory.getLogger(PullReader.class);
    static final Duration STALL = Duration.ofSeconds(5);
    private static final int CONSUMER_NOT_FOUND = 10014;

    /** Handles a message: true once it is acknowledged (or terminated), false to read again from it. */
    @FunctionalInterface
    interface Handler {
        boolean handle(Message message) throws InterruptedException;
    }

    /** Run before each binding (e.g. creating the stream when missing). */
    @FunctionalInterface
    interface Setup {
        void run(Connection connection) throws IOException, JetStreamApiException;
    }

    private final Supplier<Connection> connection;
    private final String stream;
    private final String consumer;
    private final Duration ackWait;
    private final Setup setup;
    private final Handler handler;

    PullReader(
            Supplier<Connection> connection,
            String stream,
            String consumer,
            Duration ackWait,
            Setup setup,
            Handler handler) {
        this.connection = connection;
        this.stream = stream;
        this.consumer = consumer;
        this.ackWait = ackWait;
        this.setup = setup;
        this.handler = handler;
    }

    /** Reads until {@code running} turns false or the thread is interrupted. */
    void run(BooleanSupplier running) {
        JetStreamSubscription subscription = null;
        long lastDelivery = System.nanoTime();
        while (running.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
            try {
                Connection open = connection.get();
                if (open == null) {
                    Thread.sleep(1000);
                    continue;
                }
                if (subscription == null) {
                    setup.run(open);
                    bindFromAckFloor(open.jetStreamManagement());
                    subscription = open.jetStream().subscribe(null, PullSubscribeOptions.bind(stream, consumer));
                    lastDelivery = System.nanoTime();
                }
                var messages = subscription.fetch(64, Duration.ofMillis(500));
                for (Message message : messages) {
                    if (!handler.handle(message)) {
                        // Not handled: nothing after it may be; read again from it.
                        throw new IllegalStateException("a message was not handled");
                    }
                }
                if (!messages.isEmpty()) {
                    lastDelivery = System.nanoTime();
                } else if (System.nanoTime() - lastDelivery > STALL.toNanos()) {
                    lastDelivery = System.nanoTime();
                    ConsumerInfo info = open.jetStreamManagement().getConsumerInfo(stream, consumer);
                    if (info.getNumPending() > 0 || info.getNumAckPending() > 0) {
                        LOG.info(
                                "{}: nothing fetched for {} s with {} message(s) waiting; binding again",
                                stream,
                                STALL.toSeconds(),
                                info.getNumPending() + info.getNumAckPending());
                        drop(subscription);
                        subscription = null;
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | JetStreamApiException | IllegalStateException e) {
                // The server went away or restarts, the connection was replaced, or a message was not
                // handled: bind again from the acknowledgement floor.
                LOG.debug("Reading {}: {}", stream, e.getMessage());
                drop(subscription);
                subscription = null;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
        drop(subscription);
    }

    /** The durable consumer, made anew to deliver from just after the last message acknowledged. */
    private void bindFromAckFloor(JetStreamManagement management) throws IOException, JetStreamApiException {
        long start = 1;
        try {
            ConsumerInfo existing = management.getConsumerInfo(stream, consumer);
            start = existing.getAckFloor().getStreamSequence() + 1;
            management.deleteConsumer(stream, consumer);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
                throw e;
            }
        }
        management.addOrUpdateConsumer(
                stream,
                ConsumerConfiguration.builder()
                        .durable(consumer)
                        .ackPolicy(AckPolicy.Explicit)
                        .ackWait(ackWait)
                        .deliverPolicy(start <= 1 ? DeliverPolicy.All : DeliverPolicy.ByStartSequence)
                        .startSequence(start <= 1 ? 0 : start)
                        .build());
    }

    private static void drop(JetStreamSubscription subscription) {
        if (subscription == null) {
            return;
        }
        try {
            subscription.unsubscribe();
        } catch (RuntimeException e) {
            // a closed connection: nothing to undo
        }
    }
}
