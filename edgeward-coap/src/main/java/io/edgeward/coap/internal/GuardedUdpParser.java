package io.edgeward.coap.internal;

import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAPMessageFormatException;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.MessageFormatException;
import org.eclipse.californium.core.network.serialization.MessageHeader;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.eclipse.californium.elements.util.DatagramReader;

/**
 * Californium's UDP parser, with every malformed datagram that still has a readable header turned
 * into a {@link CoAPMessageFormatException}, the one failure its endpoint answers (4.00 to a
 * confirmable request with a token, a reset otherwise) and logs at DEBUG only.
 *
 * <p>Two cases escape the stock parser, each found by sending them from a stranger's socket:
 * <ul>
 *   <li>a Block1 option whose block size is smaller than the payload (size 16, 200 bytes): the
 *       parser's assertion throws {@code IllegalStateException}, which the endpoint logged as an
 *       ERROR with a stack trace, about 1.5 KB of log per 200-byte datagram, and never answered;
 *   <li>a token length of 9-15 (reserved by RFC 7252): a plain {@link MessageFormatException}
 *       without the message id, silently dropped, so the sender kept retransmitting.
 * </ul>
 */
public final class GuardedUdpParser extends UdpDataParser {

    @Override
    protected MessageHeader parseHeader(DatagramReader reader) {
        reader.mark();
        try {
            return super.parseHeader(reader);
        } catch (CoAPMessageFormatException e) {
            throw e;
        } catch (MessageFormatException e) {
            reader.reset();
            if (!reader.bytesAvailable(4)) {
                throw e; // not even a header: nothing to answer to
            }
            reader.read(2); // version
            int type = reader.read(2);
            reader.read(4); // token length
            int code = reader.read(8);
            int mid = reader.read(16);
            throw new CoAPMessageFormatException(
                    e.getMessage(), null, mid, code, type == CoAP.Type.CON.value, ResponseCode.BAD_REQUEST);
        }
    }

    @Override
    public void parseOptionsAndPayload(DatagramReader reader, Message message) {
        try {
            super.parseOptionsAndPayload(reader, message);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new CoAPMessageFormatException(
                    e.getMessage(),
                    message.getToken(),
                    message.getMID(),
                    message.getRawCode(),
                    message.isConfirmable(),
                    ResponseCode.BAD_REQUEST);
        }
    }
}
