package io.edgeward.mqtt.internal.acknowledgement;

import com.hivemq.bootstrap.netty.ChannelHandlerNames;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionInformation;
import com.hivemq.extensions.client.parameter.ConnectionAttributeStoreImpl;
import com.hivemq.mqtt.message.MessageWithID;
import com.hivemq.mqtt.message.puback.PUBACK;
import com.hivemq.mqtt.message.pubrec.PUBREC;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.EventExecutor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Holds one connection's PUBACKs and PUBRECs until the work they acknowledge (a telemetry group
 * commit, a shadow update) is done. It sits in HiveMQ's Netty pipeline, not in an extension
 * interceptor, and this class is the one place where Edgeward reaches past HiveMQ's extension SDK.
 *
 * <p>Why not the SDK: HiveMQ runs one client's extension tasks strictly in order, and an
 * acknowledgement held by an asynchronous {@code PubackOutboundInterceptor} sits at the head of
 * that queue. The client's next PUBLISH was therefore not even intercepted before the previous
 * commit was done: a device got about one message into each group commit, and at a few hundred
 * messages per second per device its messages queued behind their own acknowledgements (p99
 * 18–22 ms at half of Mosquitto's rate). Held here, the next PUBLISH is decoded and queued at once
 * and joins the same commit.
 *
 * <p>Acknowledgements leave in the order HiveMQ wrote them: one that needs no commit (a refusal)
 * waits for the held ones written before it, and commits complete in submission order. (HiveMQ
 * itself writes a refusal's PUBACK at once and a delivered message's after its publish step, so
 * that order can differ from PUBLISH order, as it does without Edgeward.) The gate sits on the application side of
 * HiveMQ's MQTT 5 flow-control handler, so an acknowledgement held here still occupies its
 * receive-maximum slot. If the work fails, this connection acknowledges nothing more and is
 * closed: the client resends from its session.
 *
 * <p>Who touches what: {@link #awaiting} is filled by the extension's interceptor threads and
 * emptied on the event loop; {@link #drainScheduled} is set by whichever thread completes a
 * commit (the telemetry or shadow writer) and cleared by the drain on the event loop; everything
 * else ({@code queue}, {@code context}, {@code failed}) belongs to the event loop alone. The
 * completing thread learns which loop to hand the drain to from the callback that {@link #write}
 * registered on that loop, never from a field.
 */
final class AcknowledgementGate extends ChannelDuplexHandler {

    static final String NAME = "edgeward-acknowledgement-gate";
    /** HiveMQ's per-connection attribute store holds the connection's channel: the SDK's only path to it. */
    private static final VarHandle STORE_CHANNEL = storeChannelHandle();

    /** Work awaited by an acknowledgement, by packet id; filled by the extension's inbound interceptor threads. */
    private final Map<Integer, CompletableFuture<?>> awaiting = new ConcurrentHashMap<>();
    // Event loop only: queue, context, failed.
    /** Small at first: most connections are idle devices (it doubles as a busy one's acknowledgements wait). */
    private final ArrayDeque<Held> queue = new ArrayDeque<>(4);
    /** Set by the thread that completes awaited work, cleared by the drain on the event loop. */
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    private final AcknowledgementDrains drains;
    private final Consumer<Throwable> onFailure;
    private final Runnable drainTask = this::drain;
    private ChannelHandlerContext context;
    private boolean failed;

    private record Held(Object acknowledgement, ChannelPromise promise, CompletableFuture<?> done) {}

    /**
     * @param drains runs this gate's drain on its event loop, together with the other connections' of that loop
     * @param onFailure told once, when awaited work fails; it closes the connection
     */
    AcknowledgementGate(AcknowledgementDrains drains, Consumer<Throwable> onFailure) {
        this.drains = drains;
        this.onFailure = onFailure;
    }

    /** Fails start-up, rather than the first connection, when HiveMQ's internals are not what this class expects. */
    static void verifyBrokerInternals() {
        if (STORE_CHANNEL == null) {
            throw new IllegalStateException(
                    "this HiveMQ CE version does not expose a connection's channel to Edgeward's "
                            + "acknowledgement gate; the bundled version is the one Edgeward is built and tested with");
        }
    }

    /** Puts the gate into the connection's pipeline; called by the client initializer, before the CONNACK leaves. */
    void install(ConnectionInformation connection) {
        verifyBrokerInternals();
        if (!(connection.getConnectionAttributeStore() instanceof ConnectionAttributeStoreImpl store)) {
            throw new IllegalStateException("unexpected connection attribute store "
                    + connection.getConnectionAttributeStore().getClass().getName());
        }
        Channel channel = (Channel) STORE_CHANNEL.get(store);
        // Added from the initializer's thread, Netty runs handlerAdded on the event loop before the
        // CONNACK is written there, so the gate sees every acknowledgement of the connection.
        channel.pipeline().addAfter(ChannelHandlerNames.INTERCEPTOR_HANDLER, NAME, this);
    }

    /** The acknowledgement of the PUBLISH with {@code packetId}, when HiveMQ writes it, waits for {@code done}. */
    void hold(int packetId, CompletableFuture<?> done) {
        awaiting.put(packetId, done);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof PUBACK) && !(msg instanceof PUBREC)) {
            ctx.write(msg, promise);
            return;
        }
        CompletableFuture<?> done = awaiting.remove(((MessageWithID) msg).getPacketIdentifier());
        if (failed) {
            promise.tryFailure(new IllegalStateException("not acknowledged: earlier work of this connection failed"));
            return;
        }
        if (queue.isEmpty() && (done == null || (done.isDone() && !done.isCompletedExceptionally()))) {
            ctx.write(msg, promise);
            return;
        }
        context = ctx;
        queue.add(new Held(msg, promise, done));
        if (done != null) {
            EventExecutor loop = ctx.executor();
            done.whenComplete((result, error) -> scheduleDrain(loop));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        failAll(new IllegalStateException("connection closed before the acknowledgement could leave"));
        super.channelInactive(ctx);
    }

    /** On the thread that completed the work: asks the connection's event loop to drain. */
    private void scheduleDrain(EventExecutor loop) {
        // A commit completes many futures of one connection at once: one drain writes them all.
        if (drainScheduled.compareAndSet(false, true)) {
            drains.schedule(loop, drainTask);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        boolean wrote = false;
        while (!failed && !queue.isEmpty()) {
            Held head = queue.peek();
            if (head.done() != null && !head.done().isDone()) {
                break;
            }
            if (head.done() != null && head.done().isCompletedExceptionally()) {
                failed = true;
                failAll(new IllegalStateException("not acknowledged: the work it acknowledges failed"));
                onFailure.accept(cause(head.done()));
                break;
            }
            queue.poll();
            context.write(head.acknowledgement(), head.promise());
            wrote = true;
        }
        if (wrote) {
            context.flush();
        }
    }

    private void failAll(Throwable reason) {
        for (Held held; (held = queue.poll()) != null; ) {
            held.promise().tryFailure(reason);
        }
    }

    private static Throwable cause(CompletableFuture<?> failed) {
        try {
            failed.join();
            return new IllegalStateException("completed normally");
        } catch (CompletionException | CancellationException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    private static VarHandle storeChannelHandle() {
        try {
            VarHandle handle = MethodHandles.privateLookupIn(ConnectionAttributeStoreImpl.class, MethodHandles.lookup())
                    .findVarHandle(ConnectionAttributeStoreImpl.class, "channel", Channel.class);
            return handle;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
