package io.edgeward.mqtt.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Asks the broker what a device would: a CONNECT over TCP, answered with a CONNACK through the
 * extension's authenticator. A broker whose threads died (an {@code OutOfMemoryError}) or whose
 * authentication hangs still has a listening socket, so "is it running" would say yes; this says
 * whether it answers. The probe's client id is random per process, and the authenticator refuses
 * it without counting or logging it. The answer is kept for a second, so a busy readiness poller
 * costs at most one connection a second.
 */
public final class BrokerProbe {

    private static final int TIMEOUT_MS = 2_000;
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String clientId = "edgeward-probe-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
    private final String host;
    private final int port;
    private long checkedAt;
    private boolean lastAnswer;
    private boolean checked;

    public BrokerProbe(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** The client id the authenticator recognises as this probe. */
    public String clientId() {
        return clientId;
    }

    public synchronized boolean answers() {
        long now = System.nanoTime();
        if (checked && now - checkedAt < CACHE_NANOS) {
            return lastAnswer;
        }
        lastAnswer = probe();
        checked = true;
        checkedAt = System.nanoTime();
        return lastAnswer;
    }

    private boolean probe() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            socket.getOutputStream().write(connect());
            InputStream in = socket.getInputStream();
            return in.read() == 0x20; // CONNACK, whatever its code
        } catch (IOException e) {
            return false;
        }
    }

    /** MQTT 3.1.1 CONNECT, clean session, no credentials. */
    private byte[] connect() {
        byte[] id = clientId.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0b0000_0010, 0, 10});
        body.write(id.length >> 8);
        body.write(id.length & 0xff);
        body.writeBytes(id);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        packet.write(body.size()); // under 128 bytes: one length byte
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }
}
