package io.edgeward.coap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** CoAP messages by hand (RFC 7252, section 3), for what a library client would not do: resend the same message id. */
final class RawCoap {

    private static final int URI_PATH = 11;
    private static final int CONTENT_FORMAT = 12;

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

    private static void option(ByteArrayOutputStream out, int delta, byte[] value) {
        int length = value.length;
        int lengthNibble = length < 13 ? length : 13;
        out.write((delta << 4) | lengthNibble);
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
        return java.util.Arrays.copyOf(buffer, answer.getLength());
    }

    static String code(byte[] message) {
        int code = message[1] & 0xff;
        return (code >> 5) + "." + String.format("%02d", code & 0x1f);
    }

    static int messageId(byte[] message) {
        return ((message[2] & 0xff) << 8) | (message[3] & 0xff);
    }
}
