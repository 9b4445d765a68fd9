package io.edgeward.mqtt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * MQTT 3.1.1 packets built by hand, for clients that must misbehave in ways a real client library
 * will not (stay silent past keep-alive, drop the socket without DISCONNECT), or whose packets must
 * leave in one write.
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

    /** An MQTT 5 CONNECT without credentials, clean start, no properties. */
    static byte[] connect5Anonymous(String clientId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(5);
        body.write(0b0000_0010);
        body.write(0);
        body.write(60);
        body.write(0); // no properties
        string(body, clientId);
        return packet(0x10, body);
    }

    /** A QoS 1 PUBLISH. */
    static byte[] publishQos1(int packetId, String topic, String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        body.write(packetId >> 8);
        body.write(packetId & 0xff);
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x32, body);
    }

    private static byte[] connect(int flags, int keepAliveSeconds, ByteArrayOutputStream payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4);
        body.write(flags);
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xff);
        body.writeBytes(payload.toByteArray());
        return packet(0x10, body);
    }

    private static byte[] packet(int header, ByteArrayOutputStream body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
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
