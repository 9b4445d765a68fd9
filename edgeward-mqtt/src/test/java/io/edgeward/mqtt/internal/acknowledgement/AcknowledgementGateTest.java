package io.edgeward.mqtt.internal.acknowledgement;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.mqtt.message.MessageWithID;
import com.hivemq.mqtt.message.puback.PUBACK;
import com.hivemq.mqtt.message.pubrec.PUBREC;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gate on Netty's in-memory channel: what leaves the pipeline, in which order, and when. */
class AcknowledgementGateTest {

    private final List<Throwable> failures = new ArrayList<>();
    private EmbeddedChannel channel;
    private AcknowledgementGate gate;

    @BeforeEach
    void open() {
        gate = new AcknowledgementGate(new AcknowledgementDrains(), failures::add);
        channel = new EmbeddedChannel(gate);
    }

    @Test
    void acknowledgement_waitsForItsWork() {
        CompletableFuture<Void> commit = new CompletableFuture<>();
        gate.hold(1, commit);

        channel.writeAndFlush(new PUBACK(1));
        assertThat(sentIds()).isEmpty();

        commit.complete(null);
        channel.runPendingTasks();
        assertThat(sentIds()).containsExactly(1);
    }

    @Test
    void acknowledgementsLeaveInTheOrderTheyWereWritten_evenWhenALaterOneNeedsNothing() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        gate.hold(1, first);
        gate.hold(2, second);

        channel.writeAndFlush(new PUBACK(1));
        channel.writeAndFlush(new PUBREC(2));
        channel.writeAndFlush(new PUBACK(3)); // a refusal: nothing to wait for, but behind 1 and 2
        second.complete(null);
        channel.runPendingTasks();
        assertThat(sentIds()).isEmpty();

        first.complete(null);
        channel.runPendingTasks();
        assertThat(sentIds()).containsExactly(1, 2, 3);
    }

    @Test
    void workAlreadyDone_andOtherPackets_passStraightThrough() {
        gate.hold(7, CompletableFuture.completedFuture(null));
        channel.writeAndFlush(new PUBACK(7));
        channel.writeAndFlush("not an acknowledgement");

        assertThat((Object) channel.readOutbound()).isInstanceOf(PUBACK.class);
        assertThat((Object) channel.readOutbound()).isEqualTo("not an acknowledgement");
    }

    @Test
    void failedWork_acknowledgesNothingMore_andReportsTheCauseOnce() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        gate.hold(1, first);
        ChannelFuture held = channel.writeAndFlush(new PUBACK(1));
        ChannelFuture behind = channel.writeAndFlush(new PUBACK(2));

        IllegalStateException cause = new IllegalStateException("disk full");
        first.completeExceptionally(cause);
        channel.runPendingTasks();
        ChannelFuture later = channel.writeAndFlush(new PUBACK(3));

        assertThat(sentIds()).isEmpty();
        assertThat(failures).containsExactly(cause);
        assertThat(held.isSuccess()).isFalse();
        assertThat(behind.isSuccess()).isFalse();
        assertThat(later.isSuccess()).isFalse();
    }

    @Test
    void aClosedConnection_dropsWhatItHeld() {
        gate.hold(1, new CompletableFuture<>());
        ChannelFuture held = channel.writeAndFlush(new PUBACK(1));

        channel.close();

        assertThat(held.isDone()).isTrue();
        assertThat(held.isSuccess()).isFalse();
        assertThat(failures).isEmpty();
    }

    @Test
    void bundledBroker_exposesWhatTheGateNeeds() {
        AcknowledgementGate.verifyBrokerInternals();
    }

    private List<Integer> sentIds() {
        List<Integer> ids = new ArrayList<>();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            ids.add(((MessageWithID) message).getPacketIdentifier());
        }
        return ids;
    }
}
