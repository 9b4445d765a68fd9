package io.edgeward.coap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** CoAP messages by hand (RFC 7252, section 3), for what a library client would not do: resend the same message id. */
final class RawCoap {

    private static final int URI_PATH = 11;
    private static final int CONTENT_FORMAT = 12;
    private static final int BLOCK1 = 27;

    private RawCoap() {}

    /** A confirmable POST with a one-byte token. */
    static byte[] confirmablePost(int messageId, List<String> path, int contentFormat, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x41); // version 1, CON, token length 1
        out.write(0x02); // POST
        out.write(messageId >> 8);
        out.write(messageId & 0xff);
        out.write(0x7a); // token
        int last = 0;
        for (String segment : path) {
            option(out, URI_PATH - last, segment.getBytes(StandardCharsets.UTF_8));
            last = URI_PATH;
        }
        option(out, CONTENT_FORMAT - last, new byte[] {(byte) contentFormat});
        out.write(0xff);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /**
     * A confirmable POST to {@code path} with no token, a Block1 option (block 0, more blocks
     * follow, size exponent {@code szx}) and {@code payload}.
     */
    static byte[] blockwisePostWithoutToken(int messageId, List<String> path, int szx, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x40); // version 1, CON, token length 0
        out.write(0x02); // POST
        out.write(messageId >> 8);
        out.write(messageId & 0xff);
        int last = 0;
        for (String segment : path) {
            option(out, URI_PATH - last, segment.getBytes(StandardCharsets.UTF_8));
            last = URI_PATH;
        }
        option(out, BLOCK1 - last, new byte[] {(byte) (0x08 | szx)}); // NUM 0, M 1, SZX
        out.write(0xff);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** A confirmable GET whose header claims a token length of {@code tokenLength} (9-15 are reserved: a format error). */
    static byte[] getWithTokenLength(int messageId, int tokenLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x40 | tokenLength);
        out.write(0x01); // GET
        out.write(messageId >> 8);
        out.write(messageId & 0xff);
        out.writeBytes(new byte[Math.min(tokenLength, 15)]);
        return out.toByteArray();
    }

    private static void option(ByteArrayOutputStream out, int delta, byte[] value) {
        int length = value.length;
        int lengthNibble = length < 13 ? length : 13;
        int deltaNibble = delta < 13 ? delta : 13; // 13: the delta minus 13 follows in one byte
        out.write((deltaNibble << 4) | lengthNibble);
        if (delta >= 13) {
            out.write(delta - 13);
        }
        if (length >= 13) {
            out.write(length - 13);
        }
        out.writeBytes(value);
    }

    static byte[] exchange(DatagramSocket socket, InetSocketAddress server, byte[] request) throws IOException {
        socket.send(new DatagramPacket(request, request.length, server));
        byte[] buffer = new byte[2048];
        DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
        socket.receive(answer);
        return Arrays.copyOf(buffer, answer.getLength());
    }

    /** The message type: 0 CON, 1 NON, 2 ACK, 3 RST. */
    static int type(byte[] message) {
        return (message[0] >> 4) & 0x03;
    }

    static String code(byte[] message) {
        int code = message[1] & 0xff;
        return (code >> 5) + "." + String.format("%02d", code & 0x1f);
    }

    static int messageId(byte[] message) {
        return ((message[2] & 0xff) << 8) | (message[3] & 0xff);
    }
}
