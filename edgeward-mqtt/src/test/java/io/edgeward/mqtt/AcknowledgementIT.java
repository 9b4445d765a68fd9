package io.edgeward.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.edgeward.core.device.Registration;
import io.edgeward.core.telemetry.PipelineSettings;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Acknowledgements against a store that cannot commit: another process holds SQLite's write lock,
 * as a backup tool or a stuck writer would. Nothing may be acknowledged before it is stored.
 */
class AcknowledgementIT {

    @RegisterExtension
    static final BrokerFixture fx = BrokerFixture.create()
            .pipelineSettings(new PipelineSettings(20_000, 10_000, false, Duration.ofSeconds(2), Duration.ofMillis(2)));

    @Test
    void aHeldAcknowledgement_doesNotHoldTheDevicesNextMessage() throws Exception {
        Registration device = fx.register("ack-window");
        try (Socket socket = new Socket("127.0.0.1", fx.broker.port())) {
            socket.getOutputStream().write(RawMqtt.connectWithPassword("ack-window", device.secret()));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertThat(in.readInt()).as("CONNACK accepted").isEqualTo(0x20020000);
            double receivedBefore = fx.counter("iot.mqtt.messages.received");
            try (WriteLock lock = WriteLock.take(fx.dir())) {
                socket.getOutputStream().write(RawMqtt.publishQos1(1, "sensor/ack-window/telemetry", """
                        {"values":{"n":1}}"""));
                await().until(() -> fx.counter("iot.mqtt.messages.received") - receivedBefore >= 1);
                // Message 1 cannot commit, so its PUBACK is held. Message 2 must still be taken in, to
                // join the same group commit: an acknowledgement held inside HiveMQ's extension
                // executor kept the client's next PUBLISH waiting there until the commit was done.
                socket.getOutputStream().write(RawMqtt.publishQos1(2, "sensor/ack-window/telemetry", """
                        {"values":{"n":2}}"""));
                await().atMost(Duration.ofMillis(1500))
                        .until(() -> fx.counter("iot.mqtt.messages.received") - receivedBefore >= 2);
                assertThat(in.available())
                        .as("bytes acknowledged while the store was locked")
                        .isZero();
            }
            List<Integer> acknowledged = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                assertThat(in.readUnsignedShort()).as("PUBACK header").isEqualTo(0x4002);
                acknowledged.add(in.readUnsignedShort());
            }
            assertThat(acknowledged).containsExactly(1, 2);
            assertThat(fx.points("ack-window", "n"))
                    .extracting(Point::value)
                    .containsExactly(Value.of(1.0), Value.of(2.0));
        }
    }

    @Test
    void aCommitThatTimesOut_closesTheConnectionUnacknowledged_andTheResentMessageIsStored() throws Exception {
        Registration device = fx.register("ack-fail");
        double timeoutsBefore = fx.counter("edgeward.pipeline.commit.timeouts");
        Mqtt5AsyncClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("ack-fail")
                .serverHost("127.0.0.1")
                .serverPort(fx.broker.port())
                .buildAsync();
        client.connectWith()
                .simpleAuth()
                .username("ack-fail")
                .password(device.secret().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send()
                .join();
        CompletableFuture<Mqtt5PublishResult> first;
        CompletableFuture<Mqtt5PublishResult> second;
        try (WriteLock lock = WriteLock.take(fx.dir())) {
            first = client.publishWith()
                    .topic("sensor/ack-fail/telemetry")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("""
                            {"values":{"n":1}}""".getBytes(StandardCharsets.UTF_8))
                    .send();
            second = client.publishWith()
                    .topic("sensor/ack-fail/telemetry")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("""
                            {"values":{"n":2}}""".getBytes(StandardCharsets.UTF_8))
                    .send();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !client.getState().isConnected());
            assertThat(fx.counter("edgeward.pipeline.commit.timeouts")).isGreaterThan(timeoutsBefore);
        }
        // Neither publish was acknowledged: the client lost the connection with both in flight.
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isCompletedExceptionally();

        Mqtt5BlockingClient again = Clients.device5(fx.broker.port(), "ack-fail", device.secret());
        assertThat(Clients.publish(again, "sensor/ack-fail/telemetry", """
                {"values":{"n":3}}""").isError())
                .isFalse();
        assertThat(fx.points("ack-fail", "n")).extracting(Point::value).contains(Value.of(3.0));
        again.disconnect();
    }

    /** SQLite's write lock on the fixture's database, held by a connection of its own until closed. */
    private record WriteLock(Connection connection) implements AutoCloseable {

        static WriteLock take(Path dir) throws Exception {
            Connection connection = DriverManager.getConnection(
                    "jdbc:sqlite:" + dir.resolve("edgeward.db").toAbsolutePath());
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA busy_timeout=5000");
                // A write makes the transaction a writer: SQLite then refuses every other writer.
                statement.executeUpdate("CREATE TABLE IF NOT EXISTS test_lock(x)");
            }
            return new WriteLock(connection);
        }

        @Override
        public void close() throws Exception {
            connection.rollback();
            connection.close();
        }
    }
}
