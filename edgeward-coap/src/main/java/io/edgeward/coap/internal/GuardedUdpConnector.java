package io.edgeward.coap.internal;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.UDPConnector;
import org.eclipse.californium.elements.config.Configuration;

/**
 * Californium's UDP connector with three guards in front of its endpoint:
 * <ul>
 *   <li>One source (address and port) may send at most {@link #PER_SOURCE_PER_SECOND} datagrams a
 *       second; beyond that they are dropped before they cost a parse, a hash or a store lookup. A
 *       device sends a few a second; a flood from one socket (random tokens at 90,000 a second)
 *       otherwise took the protocol stage from every other device.</li>
 *   <li>A datagram larger than the receive buffer is answered 4.13 (Request Entity Too Large, with
 *       Size1 naming the limit) to a request, or reset, straight from its header: Californium drops
 *       a truncated datagram unanswered, and its sender retransmits it.
 *   <li>While the protocol stage has more than {@link #MAX_BACKLOG} datagrams waiting, new ones are
 *       dropped and counted, as a full socket buffer would drop them: a flood at full speed costs
 *       bounded memory, and a device's confirmable request is retransmitted (RFC 7252, 4.2).
 * </ul>
 */
public final class GuardedUdpConnector extends UDPConnector {

    /** Datagrams waiting for the protocol stage at most: a few seconds of a busy gateway's traffic, at most 8 KiB each. */
    static final int MAX_BACKLOG = 5_000;
    /** Datagrams one source endpoint may send per second; generous for a device, a gateway or a proxy. */
    static final int PER_SOURCE_PER_SECOND = 1_000;
    /** Sources remembered at most; beyond that the table starts afresh (a spoofed-address flood meets the backlog bound). */
    private static final int MAX_SOURCES = 50_000;

    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final int CON = 0;
    private static final int NON = 1;
    private static final int ACK = 2;
    private static final int RST = 3;
    private static final int REQUEST_ENTITY_TOO_LARGE = (4 << 5) | 13;
    private static final int SIZE1 = 60;

    private final ProtocolStage stage;
    private final CoapMetrics metrics;
    private final ConcurrentHashMap<InetSocketAddress, Window> sources = new ConcurrentHashMap<>();

    public GuardedUdpConnector(
            InetSocketAddress address, Configuration config, ProtocolStage stage, CoapMetrics metrics) {
        super(address, config);
        this.stage = stage;
        this.metrics = metrics;
    }

    @Override
    public void processDatagram(DatagramPacket packet) {
        if (packet.getLength() > getReceiverPacketSize()) {
            metrics.datagramDropped("too_large");
            byte[] answer = tooLarge(
                    packet.getData(),
                    packet.getOffset(),
                    Math.min(packet.getLength(), packet.getData().length),
                    getReceiverPacketSize());
            if (answer != null) {
                send(RawData.outbound(
                        answer,
                        new AddressEndpointContext((InetSocketAddress) packet.getSocketAddress()),
                        null,
                        false));
            }
            return;
        }
        if (!withinSourceRate((InetSocketAddress) packet.getSocketAddress())) {
            metrics.datagramDropped("source_rate");
            return;
        }
        if (stage.backlog() >= MAX_BACKLOG) {
            metrics.datagramDropped("overload");
            return;
        }
        super.processDatagram(packet);
    }

    private boolean withinSourceRate(InetSocketAddress source) {
        if (sources.size() >= MAX_SOURCES && !sources.containsKey(source)) {
            sources.clear();
        }
        long now = System.nanoTime();
        Window window = sources.compute(
                source,
                (key, current) -> current == null || now - current.start >= SECOND_NANOS
                        ? new Window(now, 1)
                        : new Window(current.start, current.count + 1));
        return window.count <= PER_SOURCE_PER_SECOND;
    }

    private record Window(long start, int count) {}

    /** The answer to an oversized message from its header: 4.13 to a request, a reset to anything else confirmable. */
    static byte[] tooLarge(byte[] data, int offset, int length, int limit) {
        if (length < 4 || (data[offset] & 0xc0) != 0x40) {
            return null; // not CoAP version 1: nothing to answer
        }
        int type = (data[offset] >> 4) & 0x03;
        int tokenLength = data[offset] & 0x0f;
        int code = data[offset + 1] & 0xff;
        int mid = ((data[offset + 2] & 0xff) << 8) | (data[offset + 3] & 0xff);
        boolean request = code >= 1 && code <= 31;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!request || tokenLength > 8 || length < 4 + tokenLength) {
            if (type != CON) {
                return null;
            }
            out.write(0x40 | (RST << 4));
            out.write(0);
            out.write(mid >> 8);
            out.write(mid & 0xff);
            return out.toByteArray();
        }
        int answerType = type == CON ? ACK : NON;
        int answerMid = type == CON ? mid : ThreadLocalRandom.current().nextInt(0x10000);
        out.write(0x40 | (answerType << 4) | tokenLength);
        out.write(REQUEST_ENTITY_TOO_LARGE);
        out.write(answerMid >> 8);
        out.write(answerMid & 0xff);
        out.write(data, offset + 4, tokenLength);
        // Size1 (option 60): the largest message accepted. Delta 60 = 13 + 47 in one extension byte.
        byte[] size = {(byte) (limit >> 24), (byte) (limit >> 16), (byte) (limit >> 8), (byte) limit};
        int skip = 0;
        while (skip < 3 && size[skip] == 0) {
            skip++;
        }
        out.write((13 << 4) | (4 - skip));
        out.write(SIZE1 - 13);
        out.write(size, skip, 4 - skip);
        return out.toByteArray();
    }
}
