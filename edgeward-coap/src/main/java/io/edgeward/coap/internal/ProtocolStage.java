package io.edgeward.coap.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Californium's protocol-stage executor, counting the jobs it has queued. Californium hands every
 * received datagram to this executor through an unbounded queue: a stranger sending datagrams
 * faster than they are handled (random tokens at full speed) grew that queue until the heap ran
 * out. {@link GuardedUdpConnector} reads {@link #backlog()} and drops datagrams while it is over
 * its bound, as a full socket buffer would; the sender's retransmissions are its own business.
 */
public final class ProtocolStage extends ScheduledThreadPoolExecutor {

    private final AtomicInteger backlog = new AtomicInteger();

    public ProtocolStage(int threads, ThreadFactory factory) {
        super(threads, factory);
    }

    /** Jobs handed to {@link #execute} and not finished yet. */
    public int backlog() {
        return backlog.get();
    }

    @Override
    public void execute(Runnable command) {
        backlog.incrementAndGet();
        try {
            super.execute(() -> {
                try {
                    command.run();
                } finally {
                    backlog.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            backlog.decrementAndGet();
            throw e;
        }
    }
}
