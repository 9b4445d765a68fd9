package io.edgeward.mqtt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * MQTT 3.1.1 CONNECT packets built by hand, for clients that must misbehave in ways a real client
 * library will not (stay silent past keep-alive, drop the socket without DISCONNECT).
 */
final class RawMqtt {

    private RawMqtt() {}

    static byte[] connectWithWill(String clientId, int keepAliveSeconds, String willTopic, String willMessage) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        string(payload, clientId);
        string(payload, willTopic);
        string(payload, willMessage);
        return connect(0b0000_0110, keepAliveSeconds, payload); // will flag + clean session
    }

    static byte[] connectWithPassword(String clientId, String password) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        string(payload, clientId);
        string(payload, clientId);
        string(payload, password);
        return connect(0b1100_0010, 60, payload); // user name, password, clean session
    }

    private static byte[] connect(int flags, int keepAliveSeconds, ByteArrayOutputStream payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4);
        body.write(flags);
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xff);
        body.writeBytes(payload.toByteArray());
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        int length = body.size();
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xff);
        out.writeBytes(bytes);
    }
}
