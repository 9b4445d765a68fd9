package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.edgeward.core.device.Registration;
import io.edgeward.core.testing.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a stranger can do to the broker without credentials, bounded in size and time: the node
 * answers every attempt, its log stays small, and a registered device still gets in.
 */
class AbuseIT {

    /** A node per test: each test's failures from loopback start uncounted. */
    @RegisterExtension
    final BrokerFixture fx = BrokerFixture.create();

    Registration good;

    @BeforeEach
    void start() {
        good = fx.register("good-device");
    }

    /** The CONNACK's reason code, or -1 when the broker closed the connection without one. */
    private int connectAnonymously(String clientId) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fx.broker.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(RawMqtt.connect5Anonymous(clientId));
            InputStream in = socket.getInputStream();
            int header = in.read();
            if (header != 0x20) {
                return -1;
            }
            int length = in.read();
            in.read(); // acknowledge flags
            return length >= 2 ? in.read() : -1;
        }
    }

    @Test
    void hugeUniqueClientIds_areRefusedByTheBroker_withoutLoggingThem() throws Exception {
        try (LogCapture log = LogCapture.attach()) {
            for (int i = 0; i < 150; i++) {
                String clientId = ("attacker-" + i + "-").repeat(1).concat("x".repeat(60_000));
                int code = connectAnonymously(clientId);
                assertThat(code).as("CONNACK to a 60,000-character client id").isIn(-1, 0x85);
            }
            // 150 x 60,000 characters were sent; the log took a few lines, not the ids.
            assertThat(log.chars()).isLessThan(20_000);
        }
        assertGoodDeviceConnects();
    }

    @Test
    void uniqueClientIdFlood_isRefusedAndCounted_withABoundedNumberOfLogLines() throws Exception {
        double before = fx.counter("edgeward.mqtt.connect.refused", "reason", "anonymous_disabled");
        try (LogCapture log = LogCapture.attach()) {
            try (var flood = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> codes = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String clientId = "stranger-" + i;
                    codes.add(flood.submit(() -> connectAnonymously(clientId)));
                }
                List<Integer> answers = new ArrayList<>();
                for (Future<Integer> code : codes) {
                    answers.add(code.get());
                }
                // The first five failures from an address are answered as themselves, the rest 0x9F (connection rate
                // exceeded).
                assertThat(answers.stream().filter(code -> code == 0x87)).hasSize(5);
                assertThat(answers.stream().filter(code -> code == 0x9F)).hasSize(195);
            }
            assertThat(log.lines()).isLessThanOrEqualTo(101); // the overall budget, plus the throttle's own line
        }
        assertThat(fx.counter("edgeward.mqtt.connect.refused", "reason", "anonymous_disabled") - before)
                .isEqualTo(200);
        assertThat(fx.counter("edgeward.auth.throttled", "transport", "mqtt")).isEqualTo(195);
        assertGoodDeviceConnects();
    }

    @Test
    void repeatedWrongPasswords_areThrottled_andTheRightSecretStillGetsInAtOnce() {
        double before = fx.counter("edgeward.auth.throttled", "transport", "mqtt");
        List<Mqtt5ConnAckReasonCode> codes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Mqtt5BlockingClient client = Clients.v5(fx.broker.port(), "good-device");
            try {
                client.connectWith()
                        .simpleAuth()
                        .username("good-device")
                        .password("wrong".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .send();
                codes.add(Mqtt5ConnAckReasonCode.SUCCESS);
            } catch (Mqtt5ConnAckException e) {
                codes.add(e.getMqttMessage().getReasonCode());
            }
        }
        assertThat(codes.subList(0, 5)).containsOnly(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(codes.subList(5, 8)).containsOnly(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED);
        // Five failures are free; the sixth to eighth were throttled.
        assertThat(fx.counter("edgeward.auth.throttled", "transport", "mqtt") - before)
                .isEqualTo(3);
        assertGoodDeviceConnects();
    }

    /** HiveMQ handles one client id's CONNECTs in order: a flood with a device's own id must not queue the device behind it. */
    @Test
    void wrongPasswordFlood_withTheDevicesOwnClientId_doesNotKeepTheDeviceOut() throws Exception {
        try (var flood = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> codes = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String password = "wrong-" + i;
                codes.add(flood.submit(() -> connectWithPassword("good-device", password)));
            }
            assertGoodDeviceConnects();
            for (Future<Integer> code : codes) {
                assertThat(code.get())
                        .isIn(0x03, 0x04, 0x05, -1); // 3.1.1 refusals (or a closed connection), never success
            }
        }
        assertGoodDeviceConnects();
    }

    private int connectWithPassword(String clientId, String password) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fx.broker.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(RawMqtt.connectWithPassword(clientId, password));
            InputStream in = socket.getInputStream();
            if (in.read() != 0x20) {
                return -1;
            }
            in.read();
            in.read();
            return in.read();
        }
    }

    private void assertGoodDeviceConnects() {
        Mqtt5BlockingClient device = Clients.device5(fx.broker.port(), "good-device", good.secret());
        assertThat(Clients.publish(device, "sensor/good-device/telemetry", """
                {"values":{"t":1}}""").isError())
                .isFalse();
        device.disconnect();
    }
}
