package io.edgeward.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.Registration;
import io.edgeward.core.testing.LogCapture;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Datagrams a stranger can send without credentials: each gets an answer that stops its sender
 * retransmitting (a 4.xx or a reset), and a flood of them costs the log a bounded number of lines.
 */
class CoapAbuseIT {

    @RegisterExtension
    static final CoapFixture fx = CoapFixture.create();
    /** A node with plain CoAP off, the default: every plain request is refused. */
    @RegisterExtension
    static final CoapFixture plainOff = CoapFixture.create().plainTokenAuth(false);

    static Registration good;

    @BeforeAll
    static void start() {
        good = fx.register("good-coap");
    }

    private static InetSocketAddress server() {
        return new InetSocketAddress("127.0.0.1", fx.coap.port());
    }

    private static byte[] exchange(byte[] request) throws Exception {
        return exchange(server(), request);
    }

    private static byte[] exchange(InetSocketAddress server, byte[] request) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5_000);
            return RawCoap.exchange(socket, server, request);
        }
    }

    @Test
    void block1OfSixteenBytes_withoutToken_isAnswered4xx_andAFloodLogsABoundedNumberOfLines() throws Exception {
        byte[] payload = new byte[200];
        for (CoapFixture node : List.of(fx, plainOff)) {
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", node.coap.port());
            for (List<String> path : List.of(List.of("telemetry"), List.of("api", "v1", good.secret(), "telemetry"))) {
                byte[] answer = exchange(server, RawCoap.blockwisePostWithoutToken(0x2000, path, 0, payload));
                assertThat(RawCoap.code(answer)).as("answer to %s", path).startsWith("4.");
            }
            try (LogCapture log = LogCapture.attach();
                    DatagramSocket socket = new DatagramSocket()) {
                for (int i = 0; i < 3_000; i++) {
                    byte[] request = RawCoap.blockwisePostWithoutToken(
                            i, List.of("api", "v1", good.secret(), "telemetry"), 0, payload);
                    socket.send(new DatagramPacket(request, request.length, server));
                }
                // The last one is answered too: the node kept up and did not stop answering.
                byte[] last =
                        exchange(server, RawCoap.blockwisePostWithoutToken(0x7000, List.of("telemetry"), 0, payload));
                assertThat(RawCoap.code(last)).startsWith("4.");
                assertThat(log.chars())
                        .as("log characters for 3,000 bad datagrams")
                        .isLessThan(50_000);
            }
        }
    }

    @Test
    void datagramsOverTwoKilobytes_areAnswered_andOverTheBodyLimit413() throws Exception {
        List<String> telemetry = List.of("api", "v1", good.secret(), "telemetry");
        byte[] malformed = exchange(RawCoap.confirmablePost(0x3000, telemetry, 50, new byte[4_000]));
        assertThat(RawCoap.code(malformed)).isEqualTo("4.00"); // read whole, and refused as the malformed JSON it is
        assertThat(RawCoap.messageId(malformed)).isEqualTo(0x3000);
        byte[] tooLarge =
                exchange(RawCoap.confirmablePost(0x3001, telemetry, 50, new byte[CoapFixture.MAX_PAYLOAD + 4_000]));
        assertThat(RawCoap.code(tooLarge)).isEqualTo("4.13");
        assertThat(RawCoap.messageId(tooLarge)).isEqualTo(0x3001);
    }

    @Test
    void reservedTokenLengths_areAnsweredWithAResetOr400() throws Exception {
        for (int length = 9; length <= 15; length++) {
            byte[] answer = exchange(RawCoap.getWithTokenLength(0x4000 + length, length));
            assertThat(RawCoap.type(answer) == 3 || RawCoap.code(answer).equals("4.00"))
                    .as("token length %d: type %d, code %s", length, RawCoap.type(answer), RawCoap.code(answer))
                    .isTrue();
            assertThat(RawCoap.messageId(answer)).isEqualTo(0x4000 + length);
        }
    }

    @Test
    void wrongTokenFlood_fromOneAddress_isAnswered429_andTheRightTokenStillWorks() throws Exception {
        double before = fx.counter("edgeward.auth.throttled", "transport", "coap");
        List<String> codes = new ArrayList<>();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5_000);
            for (int i = 0; i < 40; i++) {
                byte[] request = RawCoap.confirmablePost(
                        0x5000 + i, List.of("api", "v1", "made-up-token-" + i, "telemetry"), 50, """
                                {"values":{"t":1}}""".getBytes(
                                        java.nio.charset.StandardCharsets.UTF_8));
                codes.add(RawCoap.code(RawCoap.exchange(socket, server(), request)));
            }
            assertThat(codes.subList(0, 5)).containsOnly("4.01");
            assertThat(codes.subList(5, 40)).containsOnly("4.29");
            byte[] good = RawCoap.confirmablePost(
                    0x5100, List.of("api", "v1", CoapAbuseIT.good.secret(), "telemetry"), 50, """
                            {"values":{"after_flood":1}}""".getBytes(
                                    java.nio.charset.StandardCharsets.UTF_8));
            assertThat(RawCoap.code(RawCoap.exchange(socket, server(), good))).isEqualTo("2.04");
        }
        assertThat(fx.counter("edgeward.auth.throttled", "transport", "coap") - before)
                .isEqualTo(35);
        assertThat(fx.points("good-coap", "after_flood")).hasSize(1);
    }

    @Test
    void plainCoap_disabled_refusesEveryRequest() throws Exception {
        CoapFixture closed = plainOff;
        double refusedBefore = closed.counter("edgeward.coap.auth.failures", "reason", "plain_disabled");
        try (Clients own = new Clients()) {
            Registration registration = closed.register("coap-2");
            assertThat(own.plain(closed.plainUri(registration.secret(), "/telemetry"))
                            .post("""
                    {"values":{"t":1}}""", 50)
                            .getCode())
                    .isEqualTo(ResponseCode.UNAUTHORIZED);
            assertThat(own.plain("coap://127.0.0.1:" + closed.coap.port() + "/.well-known/core")
                            .get()
                            .getCode())
                    .isEqualTo(ResponseCode.UNAUTHORIZED);
            assertThat(closed.counter("edgeward.coap.auth.failures", "reason", "plain_disabled") - refusedBefore)
                    .isEqualTo(2);
            assertThat(own.dtls(
                                    "coaps://127.0.0.1:" + closed.coap.dtlsPort() + "/telemetry",
                                    "coap-2",
                                    registration.coapPsk())
                            .post("""
                            {"values":{"t":1}}""", 50)
                            .getCode())
                    .isEqualTo(ResponseCode.CHANGED);
            assertThat(closed.points("coap-2", "t")).hasSize(1);
        }
    }
}
