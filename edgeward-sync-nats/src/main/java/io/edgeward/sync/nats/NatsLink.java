package io.edgeward.sync.nats;

import io.edgeward.core.lifecycle.Threads;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A NATS connection that is replaced when it stops answering. jnats reconnects on its own, but
 * after the server was killed and started again we saw a client stay "connected" with nothing
 * answering (JetStream publishes timing out, subscriptions silent) for minutes; so every
 * {@link #PROBE} the connection is flushed (a PING and its PONG), and after {@link #FAILED_PROBES}
 * failures in a row a new connection replaces it. {@code connected} is told of each connection
 * made, to set up what runs on it.
 */
final class NatsLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NatsLink.class);
    static final Duration PROBE = Duration.ofSeconds(5);
    static final int FAILED_PROBES = 3;

    private final Options options;
    private final String target;
    private final Consumer<Connection> connected;
    private final Threads threads;
    private volatile Connection connection;
    private volatile boolean running;
    private Thread keeper;

    NatsLink(Options options, String target, Consumer<Connection> connected, Threads threads) {
        this.options = options;
        this.target = target;
        this.connected = connected;
        this.threads = threads;
    }

    /** The connection in use; null until the first is made. */
    Connection current() {
        return connection;
    }

    synchronized void start() {
        if (keeper != null) {
            return;
        }
        running = true;
        keeper = threads.virtual("nats-link").newThread(this::keep);
        keeper.start();
    }

    private void keep() {
        try {
            connect();
            int failed = 0;
            while (running) {
                Thread.sleep(PROBE);
                Connection open = connection;
                try {
                    open.flush(PROBE);
                    failed = 0;
                } catch (TimeoutException | IllegalStateException e) {
                    failed++;
                    if (failed >= FAILED_PROBES && running) {
                        LOG.warn(
                                "NATS {}: no answer for {} s ({}); connecting anew",
                                target,
                                PROBE.toSeconds() * FAILED_PROBES,
                                e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                        failed = 0;
                        connect();
                        closeQuietly(open);
                    }
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            LOG.error("NATS {}: cannot connect: {}", target, e.getMessage());
        }
    }

    /** Blocks until connected (jnats keeps trying a server that is away). */
    private void connect() throws IOException, InterruptedException {
        Connection made = Nats.connectReconnectOnConnect(options);
        connection = made;
        connected.accept(made);
    }

    @Override
    public void close() {
        running = false;
        Thread keeping;
        synchronized (this) {
            keeping = keeper;
        }
        if (keeping != null) {
            keeping.interrupt();
        }
        Connection open = connection;
        if (open != null) {
            closeQuietly(open);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("Closing a NATS connection: {}", e.getMessage());
        }
    }
}
