package io.edgeward.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandStatus;
import io.edgeward.core.command.NewCommand;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.Registration;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.telemetry.proto.Reading;
import io.edgeward.core.telemetry.proto.TelemetryBatch;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CoAP resources end to end, with Californium's client over real loopback UDP, plain (token) and DTLS (PSK). */
class CoapIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final CoapFixture node = CoapFixture.create();

    private Clients clients;
    private Registration device;

    @BeforeEach
    void start() {
        clients = new Clients();
        device = node.register("coap-1");
    }

    @AfterEach
    void stop() {
        clients.close();
    }

    private CoapClient dtls(String path) {
        return clients.dtls(
                "coaps://127.0.0.1:" + node.coap.dtlsPort() + path,
                device.device().id().value(),
                device.coapPsk());
    }

    private CoapClient plain(String path) {
        return clients.plain(node.plainUri(device.secret(), path));
    }

    @Test
    void telemetry_confirmableOverDtls_isStoredBeforeTheAnswer() throws Exception {
        CoapResponse response = dtls("/telemetry").post("""
                {"values":{"temperature":21.5,"door":true}}""", MediaTypeRegistry.APPLICATION_JSON);

        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        // No waiting: the answer left only after the commit.
        assertThat(node.points("coap-1", "temperature"))
                .singleElement()
                .satisfies(p -> assertThat(p.value().raw()).isEqualTo(21.5));
        assertThat(node.points("coap-1", "door"))
                .singleElement()
                .satisfies(p -> assertThat(p.value().raw()).isEqualTo(true));
        assertThat(node.counter("iot.coap.requests", "code", "2.04")).isEqualTo(1);
    }

    @Test
    void telemetry_everyFormat_overPlainTokenAuth() throws Exception {
        long ts = System.currentTimeMillis() - 60_000;
        CoapClient client = plain("/telemetry");
        assertThat(client.post(
                                "{\"sensor_id\":\"coap-1\",\"type\":\"temperature\",\"value\":20.5,\"unit\":\"°C\",\"timestamp\":"
                                        + (ts / 1000) + "}",
                                MediaTypeRegistry.APPLICATION_JSON)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);
        byte[] cbor = new CBORMapper()
                .writeValueAsBytes(Map.of("ts", ts + 1, "values", Map.of("humidity", 40.5, "mode", "eco")));
        assertThat(client.post(cbor, MediaTypeRegistry.APPLICATION_CBOR).getCode())
                .isEqualTo(ResponseCode.CHANGED);
        byte[] protobuf = TelemetryBatch.newBuilder()
                .addReadings(Reading.newBuilder()
                        .setTsMs(ts + 2)
                        .putValues(
                                "pressure",
                                io.edgeward.core.telemetry.proto.Value.newBuilder()
                                        .setNumber(1013.2)
                                        .build()))
                .build()
                .toByteArray();
        assertThat(client.post(protobuf, io.edgeward.coap.internal.TelemetryResource.PROTOBUF)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);
        assertThat(client.post(
                                "[{\"ts\":" + (ts + 3)
                                        + ",\"values\":{\"humidity\":41}},{\"type\":\"temperature\",\"value\":20.7}]",
                                MediaTypeRegistry.UNDEFINED)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);

        assertThat(node.points("coap-1", "temperature"))
                .extracting(p -> p.value().raw())
                .containsExactly(20.5, 20.7);
        assertThat(node.points("coap-1", "temperature").get(0).unit()).isEqualTo("°C");
        assertThat(node.points("coap-1", "humidity"))
                .extracting(p -> p.value().raw())
                .containsExactly(40.5, 41.0);
        assertThat(node.points("coap-1", "mode"))
                .extracting(p -> p.value().raw())
                .containsExactly("eco");
        assertThat(node.points("coap-1", "pressure"))
                .extracting(p -> p.value().raw())
                .containsExactly(1013.2);
    }

    @Test
    void telemetry_nonConfirmable_isAcceptedAndStored() throws Exception {
        CoapClient client = plain("/telemetry");
        client.useNONs();
        assertThat(client.post("""
                {"values":{"temperature":19}}""", MediaTypeRegistry.APPLICATION_JSON).getCode())
                .isEqualTo(ResponseCode.CHANGED);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.points("coap-1", "temperature").size() == 1);
    }

    @Test
    void telemetry_blockwiseBatch_isReassembledAndStoredWhole() throws Exception {
        long ts = System.currentTimeMillis() - 600_000;
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 200; i++) {
            batch.append(i == 0 ? "" : ",")
                    .append("{\"ts\":")
                    .append(ts + i)
                    .append(",\"values\":{\"vibration\":")
                    .append(i)
                    .append("}}");
        }
        byte[] body = batch.append(']').toString().getBytes(StandardCharsets.UTF_8);
        assertThat(body.length).isGreaterThan(8 * 1024); // many blocks of 1024 bytes at most

        Request request = Request.newPost();
        request.setPayload(body);
        request.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
        request.getOptions().setBlock1(2, false, 0); // 64-byte blocks, as a small device would send
        CoapResponse response = dtls("/telemetry").advanced(request);

        assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(node.points("coap-1", "vibration")).hasSize(200);
        // 2.31 Continue for every block but the last, at most the server's preferred 1024 bytes each.
        assertThat(node.counter("iot.coap.requests", "code", "2.31")).isGreaterThanOrEqualTo(body.length / 1024);
    }

    @Test
    void telemetry_badInput_isRefusedCountedAndTheNextGoodMessageIsStored() throws Exception {
        CoapClient client = plain("/telemetry");
        CoapResponse malformed = client.post("{\"values\":", MediaTypeRegistry.APPLICATION_JSON);
        assertThat(malformed.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(malformed.getResponseText()).contains("malformed");
        assertThat(client.post("""
                {"values":{"t":NaN}}""", MediaTypeRegistry.APPLICATION_JSON).getCode())
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(client.post("""
                {"values":{"t":{"x":1}}}""", MediaTypeRegistry.APPLICATION_JSON).getCode())
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(client.post("""
                {"sensor_id":"another","type":"t","value":1}""", MediaTypeRegistry.APPLICATION_JSON).getCode())
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(client.post("""
                {"values":{"t":1}}""", MediaTypeRegistry.APPLICATION_XML).getCode())
                .isEqualTo(ResponseCode.UNSUPPORTED_CONTENT_FORMAT);
        assertThat(client.post(new byte[] {(byte) 0xff, 0x01}, MediaTypeRegistry.APPLICATION_CBOR)
                        .getCode())
                .isEqualTo(ResponseCode.BAD_REQUEST);
        byte[] tooLarge = ("{\"values\":{\"s\":\"" + "x".repeat(CoapFixture.MAX_PAYLOAD) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(client.post(tooLarge, MediaTypeRegistry.APPLICATION_JSON).getCode())
                .isEqualTo(ResponseCode.REQUEST_ENTITY_TOO_LARGE);
        assertThat(client.get().getCode()).isEqualTo(ResponseCode.METHOD_NOT_ALLOWED);

        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "malformed"))
                .isEqualTo(2);
        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "not_finite"))
                .isEqualTo(1);
        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "wrong_type"))
                .isEqualTo(1);
        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "device_mismatch"))
                .isEqualTo(1);
        assertThat(node.counter("iot.coap.requests", "code", "4.00")).isEqualTo(5);
        assertThat(node.counter("iot.coap.requests", "code", "4.13")).isEqualTo(1);
        assertThat(node.counter("iot.coap.requests", "code", "4.15")).isEqualTo(1);
        assertThat(node.counter("iot.coap.requests", "code", "4.05")).isEqualTo(1);
        assertThat(node.points("coap-1", "t")).isEmpty();

        assertThat(client.post(
                                "{\"values\":{\"t\":1},\"ts\":" + System.currentTimeMillis() + "}",
                                MediaTypeRegistry.APPLICATION_JSON)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);
        assertThat(node.points("coap-1", "t")).hasSize(1);
    }

    @Test
    void telemetry_partlyValidBatch_storesTheGoodPointsAndSaysWhatWasRefused() throws Exception {
        CoapResponse response = plain("/telemetry").post("""
                {"values":{"good":1,"bad":null}}""", MediaTypeRegistry.APPLICATION_JSON);
        assertThat(response.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(response.getResponseText()).contains("stored 1 point(s), refused 1");
        assertThat(node.points("coap-1", "good")).hasSize(1);
    }

    @Test
    void authentication_wrongTokenNoTokenAndUnknownPath_areRefused() throws Exception {
        assertThat(clients.plain(node.plainUri("not-a-token", "/telemetry"))
                        .post("""
                {"values":{"t":1}}""", 50)
                        .getCode())
                .isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(clients.plain("coap://127.0.0.1:" + node.coap.port() + "/telemetry")
                        .post("""
                {"values":{"t":1}}""", 50)
                        .getCode())
                .isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(plain("/nothing-here").get().getCode()).isEqualTo(ResponseCode.NOT_FOUND);
        assertThat(dtls("/api/v1/" + device.secret() + "/telemetry")
                        .post("{}", 50)
                        .getCode())
                .isEqualTo(ResponseCode.NOT_FOUND);
        assertThat(node.counter("edgeward.coap.auth.failures", "reason", "unknown_token"))
                .isEqualTo(1);
        assertThat(node.counter("edgeward.coap.auth.failures", "reason", "no_credentials"))
                .isEqualTo(1);
        assertThat(node.points("coap-1", "t")).isEmpty();
    }

    @Test
    void dtls_wrongKeyOrUnknownIdentity_failsTheHandshake_goodKeyStillWorks() throws Exception {
        CoapClient wrongKey =
                clients.dtls("coaps://127.0.0.1:" + node.coap.dtlsPort() + "/telemetry", "coap-1", "0".repeat(64));
        wrongKey.setTimeout(3_000L);
        assertThatThrownBy(() -> wrongKey.post("""
                {"values":{"t":1}}""", 50)).isInstanceOf(Exception.class);
        CoapClient unknown =
                clients.dtls("coaps://127.0.0.1:" + node.coap.dtlsPort() + "/telemetry", "nobody", device.coapPsk());
        unknown.setTimeout(3_000L);
        assertThatThrownBy(() -> unknown.post("""
                {"values":{"t":1}}""", 50)).isInstanceOf(Exception.class);

        // A wrong key shows only as a Finished message that does not decrypt, which DTLS drops silently (RFC 6347,
        // 4.1.2.1).
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(node.counter("edgeward.coap.auth.failures", "reason", "unknown_psk_identity"))
                                .isPositive());
        assertThat(node.points("coap-1", "t")).isEmpty();
        assertThat(dtls("/telemetry").post("""
                {"values":{"t":1}}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    @Test
    void rotation_endsTheOldTokenAndPsk_atOnce() throws Exception {
        CoapClient old = plain("/telemetry");
        assertThat(old.post("""
                {"values":{"t":1}}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED); // cached now
        Registration rotated = node.registry.rotateCredentials("coap-1");

        assertThat(old.post("""
                {"values":{"t":2}}""", 50).getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(clients.plain(node.plainUri(rotated.secret(), "/telemetry"))
                        .post("""
                {"values":{"t":3}}""", 50)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);
        CoapClient oldPsk = dtls("/telemetry");
        oldPsk.setTimeout(3_000L);
        assertThatThrownBy(() -> oldPsk.post("""
                {"values":{"t":4}}""", 50)).isInstanceOf(Exception.class);
        assertThat(clients.dtls("coaps://127.0.0.1:" + node.coap.dtlsPort() + "/telemetry", "coap-1", rotated.coapPsk())
                        .post("""
                        {"values":{"t":5}}""", 50)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);
        assertThat(node.points("coap-1", "t")).extracting(p -> p.value().raw()).containsExactly(1.0, 3.0, 5.0);
    }

    @Test
    void shadow_getReportAndObserve_notifiesWhenTheDeltaChanges() throws Exception {
        CoapClient shadow = dtls("/shadow");
        List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        CoapObserveRelation relation = shadow.observeAndWait(handler(notifications));
        assertThat(notifications)
                .singleElement()
                .satisfies(doc -> assertThat(doc.get("version").asLong()).isZero());

        node.shadows.update(DeviceId.of("coap-1"), """
                {"state":{"desired":{"target_temperature":22.5}}}""".getBytes(), ChangedBy.OPERATOR);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.size() == 2);
        assertThat(notifications.get(1).at("/state/delta/target_temperature").asDouble())
                .isEqualTo(22.5);

        CoapResponse reported = dtls("/shadow/reported").post("""
                {"target_temperature":22.5,"firmware_version":"2.1.0"}""", 50);
        assertThat(reported.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(JSON.readTree(reported.getPayload()).get("version").asLong()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.size() == 3);
        assertThat(notifications.get(2).at("/state/delta").isEmpty()).isTrue();
        relation.proactiveCancel();

        CoapResponse get = dtls("/shadow").get();
        assertThat(get.getCode()).isEqualTo(ResponseCode.CONTENT);
        assertThat(get.getOptions().getETagCount()).isEqualTo(1);
        assertThat(JSON.readTree(get.getPayload())
                        .at("/state/reported/firmware_version")
                        .asText())
                .isEqualTo("2.1.0");
    }

    @Test
    void shadowReported_versionConflictAndBadDocuments_areRefused_stateIntact() throws Exception {
        CoapClient reported = plain("/shadow/reported");
        assertThat(reported.post("""
                {"state":{"reported":{"a":1}},"version":0,"clientToken":"c-1"}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED);
        CoapResponse stale = reported.post("""
                {"state":{"reported":{"a":2}},"version":0,"clientToken":"c-2"}""", 50);
        assertThat(stale.getCode()).isEqualTo(ResponseCode.CONFLICT);
        JsonNode conflict = JSON.readTree(stale.getPayload());
        assertThat(conflict.get("version").asLong()).isEqualTo(1);
        assertThat(conflict.get("clientToken").asText()).isEqualTo("c-2");
        assertThat(reported.post("{\"a\":", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(reported.post("[1,2]", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(reported.post("""
                {"state":{"desired":{"a":3}}}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(reported.post("""
                {"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(reported.post("{\"big\":\"" + "x".repeat(9000) + "\"}", 50).getCode())
                .isEqualTo(ResponseCode.REQUEST_ENTITY_TOO_LARGE);
        assertThat(reported.post("""
                {"a":1}""", MediaTypeRegistry.APPLICATION_XML).getCode())
                .isEqualTo(ResponseCode.UNSUPPORTED_CONTENT_FORMAT);

        assertThat(node.counter("edgeward.shadow.rejected", "code", "409")).isEqualTo(1);
        assertThat(node.counter("edgeward.shadow.rejected", "code", "400")).isEqualTo(4);
        assertThat(node.counter("edgeward.shadow.rejected", "code", "413")).isEqualTo(1);
        var shadow = node.shadows.get(DeviceId.of("coap-1"));
        assertThat(shadow.version()).isEqualTo(1);
        assertThat(shadow.reported().get("a").asInt()).isEqualTo(1);
    }

    @Test
    void commands_observed_areNotifiedDeliveredAndAnswered() throws Exception {
        DeviceId id = DeviceId.of("coap-1");
        Command queuedBefore =
                node.commands.submit(id, new NewCommand("restart", Map.of(), Duration.ofSeconds(30), null, null));
        assertThat(node.presence.isConnected(id)).isFalse();

        List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        CoapObserveRelation relation = dtls("/commands").observeAndWait(handler(notifications));
        // The command that waited goes out as soon as the observation is in place.
        await().atMost(Duration.ofSeconds(5)).until(() -> last(notifications).size() == 1);
        assertThat(last(notifications).get(0).get("command_id").asText()).isEqualTo(queuedBefore.id());
        assertThat(node.presence.isConnected(id)).isTrue();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.store.devices().find(id).orElseThrow().status() == DeviceStatus.ONLINE);

        Command live = node.commands.submit(
                id, new NewCommand("set_temperature", Map.of("temperature", 22.5), Duration.ofSeconds(30), null, null));
        await().atMost(Duration.ofSeconds(5)).until(() -> last(notifications).size() == 2);
        JsonNode second = last(notifications).get(1);
        assertThat(second.get("type").asText()).isEqualTo("set_temperature");
        assertThat(second.at("/parameters/temperature").asDouble()).isEqualTo(22.5);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.commands.get(id, live.id()).status() == CommandStatus.DELIVERED);

        CoapResponse answered = dtls("/commands/" + live.id() + "/response").post("""
                {"status":"success","message":"ok"}""", 50);
        assertThat(answered.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(JSON.readTree(answered.getPayload()).get("status").asText()).isEqualTo("succeeded");
        assertThat(node.commands.get(id, live.id()).status()).isEqualTo(CommandStatus.SUCCEEDED);
        CoapResponse failed = dtls("/commands/" + queuedBefore.id() + "/response")
                .post("{\"command_id\":\"" + queuedBefore.id() + "\",\"status\":\"failed\",\"message\":\"busy\"}", 50);
        assertThat(failed.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(node.commands.get(id, queuedBefore.id()).status()).isEqualTo(CommandStatus.FAILED);
        assertThat(JSON.readTree(dtls("/commands").get().getPayload())).isEmpty();

        relation.proactiveCancel();
        await().atMost(Duration.ofSeconds(5)).until(() -> !node.presence.isConnected(id));
    }

    @Test
    void commands_polledWithoutObserve_takeTheQueuedCommands_inOrder() throws Exception {
        DeviceId id = DeviceId.of("coap-1");
        Command first =
                node.commands.submit(id, new NewCommand("restart", Map.of(), Duration.ofSeconds(30), null, null));
        Command second = node.commands.submit(
                id, new NewCommand("set_temperature", Map.of("temperature", 21), Duration.ofSeconds(30), null, null));
        assertThat(JSON.readTree(plain("/shadow").get().getPayload())
                        .get("version")
                        .asLong())
                .isZero(); // a request is no poll

        JsonNode polled = JSON.readTree(plain("/commands").get().getPayload());

        assertThat(polled).extracting(c -> c.get("command_id").asText()).containsExactly(first.id(), second.id());
        assertThat(node.commands.get(id, first.id()).status()).isEqualTo(CommandStatus.SENT);
        assertThat(node.presence.isConnected(id)).isFalse(); // polling is not a connection
        assertThat(plain("/commands/" + first.id() + "/response").post("""
                {"status":"success"}""", 50).getCode())
                .isEqualTo(ResponseCode.CHANGED);
        assertThat(JSON.readTree(plain("/commands").get().getPayload()))
                .extracting(c -> c.get("command_id").asText())
                .containsExactly(second.id());
    }

    @Test
    void commands_sentBeforeARestart_areListedAgain_andCanBeAnswered() throws Exception {
        DeviceId id = DeviceId.of("coap-1");
        Command command =
                node.commands.submit(id, new NewCommand("restart", Map.of(), Duration.ofMinutes(5), null, null));
        assertThat(JSON.readTree(plain("/commands").get().getPayload())).hasSize(1);
        assertThat(node.commands.get(id, command.id()).status()).isEqualTo(CommandStatus.SENT);
        clients.close();
        node.restart();
        clients = new Clients();
        List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        CoapObserveRelation relation = dtls("/commands").observeAndWait(handler(notifications));
        assertThat(notifications.get(0))
                .extracting(c -> c.get("command_id").asText())
                .containsExactly(command.id());
        assertThat(dtls("/commands/" + command.id() + "/response").post("""
                {"status":"success"}""", 50).getCode())
                .isEqualTo(ResponseCode.CHANGED);
        assertThat(node.commands.get(id, command.id()).status()).isEqualTo(CommandStatus.SUCCEEDED);
        relation.proactiveCancel();
    }

    @Test
    void commandResponse_badInput_isRefused_commandIntact() throws Exception {
        DeviceId id = DeviceId.of("coap-1");
        Command command =
                node.commands.submit(id, new NewCommand("restart", Map.of(), Duration.ofSeconds(30), null, null));
        CoapClient response = plain("/commands/" + command.id() + "/response");
        assertThat(response.post("{\"status\":", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(response.post("""
                {"status":"maybe"}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(response.post("""
                {"command_id":"other","status":"success"}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(plain("/commands/01890000-0000-7000-8000-000000000000/response")
                        .post("""
                {"status":"success"}""", 50)
                        .getCode())
                .isEqualTo(ResponseCode.NOT_FOUND);
        assertThat(response.get().getCode()).isEqualTo(ResponseCode.METHOD_NOT_ALLOWED);
        assertThat(node.counter("edgeward.command.responses.rejected", "reason", "malformed"))
                .isEqualTo(2);
        assertThat(node.counter("edgeward.command.responses.rejected", "reason", "unknown_command"))
                .isEqualTo(1);
        assertThat(node.commands.get(id, command.id()).status()).isEqualTo(CommandStatus.QUEUED);
    }

    @Test
    void sensors_readObserveAndDiscovery() throws Exception {
        assertThat(plain("/sensors/coap-1/temperature").get().getCode()).isEqualTo(ResponseCode.NOT_FOUND);
        assertThat(plain("/telemetry")
                        .post("{\"values\":{\"temperature\":20.0},\"ts\":" + System.currentTimeMillis() + "}", 50)
                        .getCode())
                .isEqualTo(ResponseCode.CHANGED);
        node.register("neighbour");

        CoapResponse read = plain("/sensors/coap-1/temperature").get();
        assertThat(read.getCode()).isEqualTo(ResponseCode.CONTENT);
        JsonNode seed = JSON.readTree(read.getPayload());
        assertThat(seed.get("sensor_id").asText()).isEqualTo("coap-1");
        assertThat(seed.get("type").asText()).isEqualTo("temperature");
        assertThat(seed.get("value").asDouble()).isEqualTo(20.0);
        assertThat(seed.get("timestamp").asDouble())
                .isCloseTo(System.currentTimeMillis() / 1000.0, org.assertj.core.data.Offset.offset(60.0));
        assertThat(plain("/sensors/neighbour/temperature").get().getCode()).isEqualTo(ResponseCode.FORBIDDEN);

        List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        CoapObserveRelation relation = dtls("/sensors/coap-1/temperature").observeAndWait(handler(notifications));
        assertThat(dtls("/telemetry").post("""
                {"values":{"temperature":20.5,"humidity":30}}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.size() == 2);
        assertThat(notifications.get(1).get("value").asDouble()).isEqualTo(20.5);
        relation.proactiveCancel();

        String links = dtls("/.well-known/core").get().getResponseText();
        assertThat(links)
                .contains(
                        "</telemetry>;rt=\"edgeward.telemetry\";if=\"core.p\";ct=\"50 60 65000\"",
                        "</shadow>;rt=\"edgeward.shadow\";if=\"core.rp\";ct=50;obs",
                        "</commands>;",
                        "</shadow/reported>;",
                        "</sensors/coap-1/humidity>;rt=\"edgeward.sensor\";if=\"core.s\";ct=50;obs",
                        "</sensors/coap-1/temperature>");
        assertThat(links).doesNotContain("neighbour");
        String filtered = plain("/.well-known/core?rt=edgeward.sensor").get().getResponseText();
        assertThat(filtered.split(","))
                .hasSize(2)
                .allSatisfy(link -> assertThat(link).startsWith("</api/v1/" + device.secret() + "/sensors/"));
    }

    @Test
    void discovery_largerThanOneBlock_isSentBlockwise() throws Exception {
        StringBuilder values = new StringBuilder("{\"values\":{");
        for (int i = 0; i < 40; i++) {
            values.append(i == 0 ? "" : ",")
                    .append("\"vibration_axis_sensor_")
                    .append(i)
                    .append("\":")
                    .append(i);
        }
        assertThat(dtls("/telemetry").post(values.append("}}").toString(), 50).getCode())
                .isEqualTo(ResponseCode.CHANGED);
        double before = node.counter("iot.coap.requests", "code", "2.05");

        CoapResponse links = dtls("/.well-known/core").get();

        assertThat(links.getPayloadSize()).isGreaterThan(2 * 1024);
        assertThat(links.getResponseText().split(","))
                .hasSize(5 + 40); // telemetry, shadow, reported, commands, firmware
        // One 2.05 per block of at most 1024 bytes (RFC 7959 Block2), reassembled by the client.
        assertThat(node.counter("iot.coap.requests", "code", "2.05") - before)
                .isGreaterThanOrEqualTo(links.getPayloadSize() / 1024);
    }

    @Test
    void sensorPut_setsTheValueAsOneStoredPoint_andNotifiesObservers() throws Exception {
        CoapClient sensor = dtls("/sensors/coap-1/setpoint");
        assertThat(sensor.put("""
                {"value":18.5,"unit":"°C"}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(node.points("coap-1", "setpoint")).singleElement().satisfies(p -> {
            assertThat(p.value().raw()).isEqualTo(18.5);
            assertThat(p.unit()).isEqualTo("°C");
        });
        List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        CoapObserveRelation relation = dtls("/sensors/coap-1/setpoint").observeAndWait(handler(notifications));
        assertThat(sensor.put("""
                {"value":19}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications.size() == 2);
        assertThat(notifications.get(1).get("value").asDouble()).isEqualTo(19.0);
        relation.proactiveCancel();

        assertThat(sensor.put("""
                {"value":NaN}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(sensor.put("""
                {"unit":"C"}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(sensor.put("{\"value\":", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(dtls("/sensors/coap-1/bad%20metric").put("""
                {"value":1}""", 50).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        node.register("neighbour-2");
        assertThat(dtls("/sensors/neighbour-2/setpoint").put("""
                {"value":1}""", 50).getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "not_finite"))
                .isEqualTo(1);
        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "malformed"))
                .isEqualTo(2);
        assertThat(node.counter("edgeward.telemetry.rejected", "reason", "invalid_metric"))
                .isEqualTo(1);
        assertThat(node.points("coap-1", "setpoint")).hasSize(2);
    }

    @Test
    void storeDown_isAnswered500WithADiagnostic_notLeftToTimeOut() throws Exception {
        CoapClient shadow = dtls("/shadow");
        CoapClient telemetry = plain("/telemetry");
        // The DTLS session and the token are established (and cached) while the store is up.
        assertThat(shadow.get().getCode()).isEqualTo(ResponseCode.CONTENT);
        assertThat(telemetry.post("""
                {"values":{"t":0}}""", 50).getCode()).isEqualTo(ResponseCode.CHANGED);
        node.store.close();

        CoapResponse read = shadow.get();
        assertThat(read.getCode()).isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(read.getResponseText()).startsWith("internal error");
        CoapResponse post = telemetry.post("""
                {"values":{"t":1}}""", 50);
        assertThat(post.getCode()).isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(post.getResponseText()).contains("nothing was stored");
        assertThat(node.counter("iot.coap.requests", "code", "5.00")).isEqualTo(2);
    }

    @Test
    void duplicateConfirmable_sameMessageId_isStoredOnce_andAnsweredTwice() throws Exception {
        byte[] request = RawCoap.confirmablePost(
                0x1234, List.of("api", "v1", device.secret(), "telemetry"), 50, """
                        {"values":{"dup":1}}""".getBytes(StandardCharsets.UTF_8));
        double before = node.counter("iot.edge.data.processed");
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(5_000);
            var server = new InetSocketAddress("127.0.0.1", node.coap.port());
            byte[] first = RawCoap.exchange(socket, server, request);
            byte[] second = RawCoap.exchange(socket, server, request); // a retransmission after the answer was lost
            for (byte[] answer : List.of(first, second)) {
                assertThat(RawCoap.code(answer)).isEqualTo("2.04");
                assertThat(RawCoap.messageId(answer)).isEqualTo(0x1234);
            }
        }
        assertThat(node.points("coap-1", "dup")).hasSize(1);
        assertThat(node.counter("iot.edge.data.processed") - before).isEqualTo(1);
    }

    private static JsonNode last(List<JsonNode> notifications) {
        return notifications.get(notifications.size() - 1);
    }

    private static CoapHandler handler(List<JsonNode> into) {
        return new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                try {
                    into.add(JSON.readTree(response.getPayload()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void onError() {}
        };
    }
}
