package io.edgeward.core.sync;

import io.edgeward.core.lifecycle.Lifecycle;
import java.io.IOException;

/**
 * Port: the link from an edge to where it forwards (a cloud Edgeward's or another MQTT broker, NATS
 * JetStream). It connects and reconnects on its own once started; {@link #send} is called by one
 * thread at a time.
 */
public interface Uplink extends Lifecycle {

    /**
     * Sends one frame and returns once the other side has it: a cloud Edgeward has stored it, a
     * broker or JetStream has acknowledged it (QoS 1 PUBACK, a JetStream publish acknowledgement).
     *
     * @param id the frame's id for de-duplication at the other side ({@code edge/stream/first-last})
     * @return {@link Delivery#ACCEPTED}, or a refusal: the other side will refuse the frame again
     * @throws IOException the link is down, or the other side did not answer in time: send it again later
     */
    Delivery send(Priority stream, String id, byte[] frame) throws IOException, InterruptedException;

    /**
     * Where what comes down the link goes (commands and desired shadow changes for devices behind
     * this edge); set before {@link #start()}.
     */
    void receive(Downlink downlink);

    /** True while connected (as far as the link can tell without sending). */
    boolean connected();

    /** Where it sends, for the status page (no credentials). */
    String target();

    /** The other side's answer to a frame. */
    record Delivery(boolean accepted, String refusal) {
        public static final Delivery ACCEPTED = new Delivery(true, null);

        public static Delivery refused(String reason) {
            return new Delivery(false, reason);
        }
    }
}
