package io.edgeward.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.ota.FirmwareSettings;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.Value;
import io.edgeward.store.sql.SqlStore;
import io.edgeward.store.sql.StoreSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over a real socket against a real SQLite store. */
class HttpApiIT {

    static final String TOKEN = "test-admin-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static final Lifecycles parts = new Lifecycles(Platform.STOP_BOUND);
    static SqlStore store;
    static Presence presence;
    static ShadowService shadows;
    static CommandService commands;
    static Firmwares firmwares;
    static io.edgeward.core.ota.Rollouts rollouts;
    static final List<String> revoked = new CopyOnWriteArrayList<>();
    static HttpApi api;
    static Platform platform;
    static String base;
    static final AtomicBoolean storeReady = new AtomicBoolean(true);
    static final HttpClient http = HttpClient.newHttpClient();
    static final long MAX_IMAGE = 1 << 20;
    static final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @BeforeAll
    static void start() {
        Threads threads = Threads.named("test");
        store = parts.start("store", SqlStore.open(StoreSettings.embedded(dir), threads));
        platform = Platform.builder(store.ports(), parts)
                .meters(meters)
                .threads(threads)
                .start();
        // No broker here: commands to devices stay queued (the device is never connected), which is what these tests
        // check;
        // the sessions of a deleted or rotated device are recorded instead of closed.
        platform.addSessions((id, forget) -> revoked.add(id + (forget ? ":forget" : "")));
        presence = platform.presence();
        shadows = platform.shadows();
        commands = platform.commands();
        meters.counter("iot.mqtt.messages.received").increment(3);
        FirmwareSettings firmwareSettings =
                new FirmwareSettings(dir.resolve("firmware"), MAX_IMAGE, java.time.Duration.ofMinutes(30));
        io.edgeward.core.testing.OtaParts ota = io.edgeward.core.testing.OtaParts.start(
                store.ports(),
                firmwareSettings,
                platform.registry(),
                shadows,
                Clock.systemUTC(),
                meters,
                io.edgeward.core.lifecycle.Threads.named("test"),
                parts);
        firmwares = ota.firmwares();
        rollouts = parts.start("rollouts", ota.rollouts());
        api = parts.start(
                "http",
                new HttpApi(
                        new HttpSettings("127.0.0.1", 0, TOKEN),
                        platform.registry(),
                        platform.queries(),
                        shadows,
                        commands,
                        platform.retention(),
                        platform.processing(),
                        platform.rules(),
                        firmwares,
                        rollouts,
                        platform.sync(),
                        platform.logs(),
                        meters,
                        List.of(ReadinessCheck.of("store", storeReady::get)),
                        Clock.systemUTC()));
        base = "http://127.0.0.1:" + api.port();
    }

    @AfterAll
    static void stop() {
        parts.closeAll();
    }

    record Reply(int status, String contentType, String body, HttpHeaders headers) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    static Reply send(String method, String path, String body, String token) throws Exception {
        return send(method, path, body, token, Map.of());
    }

    static Reply send(String method, String path, String body, String token, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(
                response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.body(),
                response.headers());
    }

    static Reply get(String path) throws Exception {
        return send("GET", path, null, TOKEN);
    }

    static Reply post(String path, String body) throws Exception {
        return send("POST", path, body, TOKEN);
    }

    static Reply patch(String path, String body, Map<String, String> headers) throws Exception {
        return send("PATCH", path, body, TOKEN, headers);
    }

    static HttpResponse<byte[]> firmwareRequest(String method, String path, byte[] body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode problem(HttpResponse<byte[]> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        return JSON.readTree(response.body());
    }

    /** A reading as a device sends it, through the pipeline (no broker here), acknowledged. */
    static void submit(String device, long ts, String metric, double value) {
        String body = "{\"ts\":" + ts + ",\"values\":{\"" + metric + "\":" + value + "}}";
        platform.pipeline()
                .submit(new TelemetryMessage(
                        DeviceId.of(device),
                        DeviceType.SENSOR,
                        body.getBytes(StandardCharsets.UTF_8),
                        PayloadFormat.JSON,
                        ts,
                        System.nanoTime()))
                .join();
    }

    static void register(String id, String extra) throws Exception {
        Reply reply = post("/api/v1/devices", "{\"device_id\":\"" + id + "\"" + extra + "}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    }

    @Test
    void patchDevice_changesFields_andMaintenanceSticks_untilCleared() throws Exception {
        register("pd-1", ",\"name\":\"Old\",\"metadata\":{\"a\":1,\"b\":2},\"tags\":[\"x\"]");
        Reply changed = patch(
                "/api/v1/devices/pd-1",
                "{\"name\":\"New\",\"metadata\":{\"a\":null,\"c\":3},\"tags\":[\"y\"]," + "\"status\":\"maintenance\"}",
                Map.of());
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(changed.json().get("name").asText()).isEqualTo("New");
        assertThat(changed.json().get("metadata")).isEqualTo(JSON.readTree("""
                {"b":2,"c":3}"""));
        assertThat(changed.json().get("status").asText()).isEqualTo("maintenance");
        presence.connected(DeviceId.of("pd-1"));
        org.awaitility.Awaitility.await()
                .during(Duration.ofMillis(200))
                .until(() -> get("/api/v1/devices/pd-1")
                        .json()
                        .get("status")
                        .asText()
                        .equals("maintenance"));
        Reply cleared = patch("/api/v1/devices/pd-1", """
                {"status":null}""", Map.of());
        assertThat(cleared.json().get("status").asText())
                .as("back to what the connection says")
                .isEqualTo("online");
        presence.disconnected(DeviceId.of("pd-1"));
    }

    @Test
    void patchDevice_badInput_is400_404_andChangesNothing() throws Exception {
        register("pd-2", ",\"name\":\"Kept\"");
        assertProblem(patch("/api/v1/devices/pd-2", """
                {"type":"gateway"}""", Map.of()), 400, "cannot be changed");
        assertProblem(patch("/api/v1/devices/pd-2", """
                {"status":"online"}""", Map.of()), 400, "connection");
        assertProblem(patch("/api/v1/devices/pd-2", """
                {"name":7}""", Map.of()), 400, "string");
        assertProblem(patch("/api/v1/devices/pd-2", "{bad", Map.of()), 400, "invalid JSON");
        assertProblem(patch("/api/v1/devices/pd-2", "", Map.of()), 400, "JSON body");
        assertProblem(patch("/api/v1/devices/ghost", """
                {"name":"x"}""", Map.of()), 404, "ghost");
        assertThat(get("/api/v1/devices/pd-2").json().get("name").asText()).isEqualTo("Kept");
    }

    @Test
    void listDevices_filters() throws Exception {
        register("flt-1", ",\"type\":\"gateway\",\"model\":\"GW-9\",\"name\":\"Roof gateway\",\"tags\":[\"roof\"]");
        register("flt-2", ",\"type\":\"gateway\",\"model\":\"GW-8\",\"tags\":[\"roof\"]");
        assertThat(ids(get("/api/v1/devices?type=gateway&tag=roof&model=GW-9"))).containsExactly("flt-1");
        assertThat(ids(get("/api/v1/devices?q=roof%20gate"))).containsExactly("flt-1");
        assertThat(ids(get("/api/v1/devices?tag=roof&limit=1"))).containsExactly("flt-2");
        assertProblem(get("/api/v1/devices?type=toaster"), 400, "unknown device type");
        assertProblem(get("/api/v1/devices?status=asleep"), 400, "unknown device status");
    }

    private static List<String> ids(Reply reply) throws Exception {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        reply.json().get("items").forEach(item -> ids.add(item.get("device_id").asText()));
        return ids;
    }

    @Test
    void rotateCredentials_returnsANewSecret_andClosesConnections() throws Exception {
        Reply created = post("/api/v1/devices", """
                {"device_id":"rot-1"}""");
        Reply rotated = post("/api/v1/devices/rot-1/rotate-credentials", null);
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.json().at("/credentials/password").asText())
                .hasSizeGreaterThanOrEqualTo(40)
                .isNotEqualTo(created.json().at("/credentials/password").asText());
        assertThat(revoked).contains("rot-1");
        assertProblem(post("/api/v1/devices/nope/rotate-credentials", null), 404, "nope");
    }

    @Test
    void deleteDevice_is204_thenGone_andItsSessionsAreForgotten() throws Exception {
        register("del-1", "");
        assertThat(send("DELETE", "/api/v1/devices/del-1", null, TOKEN).status())
                .isEqualTo(204);
        assertThat(revoked).contains("del-1:forget");
        assertProblem(get("/api/v1/devices/del-1"), 404, "del-1");
        assertProblem(send("DELETE", "/api/v1/devices/del-1", null, TOKEN), 404, "del-1");
    }

    @Test
    void shadow_getPatchWithEtags_historyAndConflicts() throws Exception {
        register("shd-1", "");
        Reply empty = get("/api/v1/devices/shd-1/shadow");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.headers().firstValue("ETag")).contains("\"0\"");
        assertThat(empty.json().get("version").asLong()).isZero();

        Reply first = patch("/api/v1/devices/shd-1/shadow", """
                {"state":{"desired":{"t":22}},"clientToken":"ui"}""", Map.of("If-Match", "\"0\""));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("ETag")).contains("\"1\"");
        assertThat(first.json().at("/state/delta/t").asInt()).isEqualTo(22);
        assertThat(first.json().get("clientToken").asText()).isEqualTo("ui");

        assertProblem(patch("/api/v1/devices/shd-1/shadow", """
                {"state":{"desired":{"t":23}}}""", Map.of("If-Match", "\"0\"")), 412, "version 1");
        assertProblem(patch("/api/v1/devices/shd-1/shadow", """
                {"state":{"desired":{"t":23}},"version":5}""", Map.of()), 409, "version 1");
        assertThat(send("GET", "/api/v1/devices/shd-1/shadow", null, TOKEN, Map.of("If-None-Match", "\"1\""))
                        .status())
                .isEqualTo(304);

        patch("/api/v1/devices/shd-1/shadow", """
                {"state":{"desired":{"t":24}}}""", Map.of());
        JsonNode history = get("/api/v1/devices/shd-1/shadow/history?limit=1").json();
        assertThat(history.at("/items/0/version").asLong()).isEqualTo(2);
        assertThat(history.at("/items/0/changed_by").asText()).isEqualTo("operator");
        assertThat(history.at("/items/0/state/desired/t").asInt()).isEqualTo(24);
        assertThat(history.get("next_before").asLong()).isEqualTo(2);
        JsonNode older = get("/api/v1/devices/shd-1/shadow/history?before=2").json();
        assertThat(older.at("/items/0/client_token").asText()).isEqualTo("ui");
    }

    @Test
    void shadow_badInput_isRefusedWithTheRightStatus_andCounted() throws Exception {
        register("shd-2", "");
        assertProblem(patch("/api/v1/devices/shd-2/shadow", """
                {"state":{"desired":"x"}}""", Map.of()), 400, "desired");
        assertProblem(
                patch(
                        "/api/v1/devices/shd-2/shadow",
                        "{\"state\":{\"desired\":{\"blob\":\"" + "x".repeat(9000) + "\"}}}",
                        Map.of()),
                413,
                "limit");
        assertProblem(patch("/api/v1/devices/shd-2/shadow", """
                {"state":{"desired":{}}}""", Map.of("If-Match", "yesterday")), 400, "If-Match");
        assertProblem(patch("/api/v1/devices/ghost/shadow", """
                {"state":{"desired":{}}}""", Map.of()), 404, "ghost");
        assertProblem(get("/api/v1/devices/ghost/shadow"), 404, "ghost");
        assertProblem(get("/api/v1/devices/shd-2/shadow/history?limit=0"), 400, "limit");
        assertThat(get("/api/v1/devices/shd-2/shadow").json().get("version").asLong())
                .isZero();
        assertThat(meters.find("edgeward.shadow.rejected")
                        .tag("code", "413")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void commands_toAnOfflineDevice_are202Queued_thenReadableAndListed() throws Exception {
        register("cmd-1", ",\"type\":\"actuator\"");
        Reply accepted = post("/api/v1/devices/cmd-1/commands", """
                        {"type":"set_temperature","parameters":{"temperature":22.5},"ttl":"10m","idempotency_key":"k1"}""");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String id = accepted.json().get("command_id").asText();
        assertThat(accepted.headers().firstValue("Location")).contains("/api/v1/devices/cmd-1/commands/" + id);
        assertThat(accepted.json().get("status").asText()).isEqualTo("queued");

        Reply again = post("/api/v1/devices/cmd-1/commands", """
                {"type":"set_temperature","idempotency_key":"k1"}""");
        assertThat(again.json().get("command_id").asText())
                .as("same idempotency key, same command")
                .isEqualTo(id);

        Reply waited = post("/api/v1/devices/cmd-1/commands?wait=true", """
                {"type":"restart","timeout":"300ms"}""");
        assertThat(waited.status())
                .as("still queued after the wait: the device is away")
                .isEqualTo(202);

        JsonNode one = get("/api/v1/devices/cmd-1/commands/" + id).json();
        assertThat(one.at("/parameters/temperature").asDouble()).isEqualTo(22.5);
        JsonNode list = get("/api/v1/devices/cmd-1/commands?limit=1").json();
        assertThat(list.at("/items/0/type").asText()).isEqualTo("restart");
        assertThat(list.get("next_cursor").asText()).isNotEmpty();
        JsonNode rest = get("/api/v1/devices/cmd-1/commands?cursor="
                        + list.get("next_cursor").asText())
                .json();
        assertThat(rest.at("/items/0/command_id").asText()).isEqualTo(id);
    }

    @Test
    void commands_badInput_is4xx() throws Exception {
        register("cmd-2", "");
        assertProblem(post("/api/v1/devices/cmd-2/commands", """
                {"parameters":{}}"""), 400, "type is required");
        assertProblem(post("/api/v1/devices/cmd-2/commands", """
                {"type":"x y"}"""), 400, "type");
        assertProblem(post("/api/v1/devices/cmd-2/commands", """
                {"type":"a","timeout":"soon"}"""), 400, "timeout");
        assertProblem(post("/api/v1/devices/cmd-2/commands", """
                {"type":"a","timeout":"1h"}"""), 400, "timeout");
        assertProblem(post("/api/v1/devices/cmd-2/commands", """
                {"type":"a","ttl":"30d"}"""), 400, "ttl");
        assertProblem(post("/api/v1/devices/cmd-2/commands", """
                {"type":"a","parameters":[1]}"""), 400, "invalid JSON");
        assertProblem(
                post(
                        "/api/v1/devices/cmd-2/commands",
                        "{\"type\":\"a\",\"parameters\":{\"p\":\"" + "x".repeat(9000) + "\"}}"),
                400,
                "limit");
        assertProblem(post("/api/v1/devices/ghost/commands", """
                {"type":"a"}"""), 404, "ghost");
        assertProblem(get("/api/v1/devices/cmd-2/commands/nope"), 404, "nope");
        assertThat(get("/api/v1/devices/cmd-2/commands").json().get("items")).isEmpty();
    }

    static void assertProblem(Reply reply, int status, String detailFragment) throws Exception {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("type").asText()).startsWith("/problems/");
        assertThat(problem.get("title").asText()).isNotBlank();
        assertThat(problem.get("detail").asText()).contains(detailFragment);
    }

    /** From another loopback address than the other tests, so that its failures do not throttle theirs. */
    @Test
    void repeatedWrongTokens_fromOneAddress_are429WithRetryAfter_andTheRightTokenStillWorks() throws Exception {
        HttpClient other = HttpClient.newBuilder()
                .localAddress(InetAddress.getByName("127.0.0.2"))
                .build();
        Function<String, HttpResponse<String>> get = token -> {
            try {
                return other.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/v1/devices"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        double before =
                meters.counter("edgeward.auth.throttled", "transport", "http").count();
        for (int i = 0; i < 5; i++) {
            assertThat(get.apply("wrong-token-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> throttled = get.apply("wrong-token-again");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(throttled.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(JSON.readTree(throttled.body()).get("status").asInt()).isEqualTo(429);
        assertThat(get.apply(TOKEN).statusCode()).isEqualTo(200);
        assertThat(meters.counter("edgeward.auth.throttled", "transport", "http")
                                .count()
                        - before)
                .isEqualTo(1);
    }

    @Test
    void api_withoutOrWithWrongToken_is401Problem() throws Exception {
        Reply none = send("GET", "/api/v1/devices", null, null);
        assertProblem(none, 401, "Bearer");
        assertProblem(send("GET", "/api/v1/devices", null, "wrong-token-wrong-token"), 401, "not valid");
        // Summed over every route and method that answered 401 (other tests add their own).
        assertThat(meters.find("edgeward.http.requests").tag("status", "401").counters().stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count)
                        .sum())
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void register_answers201WithCredentialsShownOnce() throws Exception {
        Reply reply = post("/api/v1/devices", """
                {"device_id":"http-1","type":"actuator","name":"Valve","tags":["b","a"],"metadata":{"floor":3}}""");
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        JsonNode body = reply.json();
        assertThat(body.get("device_id").asText()).isEqualTo("http-1");
        assertThat(body.get("type").asText()).isEqualTo("actuator");
        assertThat(body.get("status").asText()).isEqualTo("offline");
        assertThat(body.get("tags")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(body.at("/credentials/username").asText()).isEqualTo("http-1");
        assertThat(body.at("/credentials/password").asText()).hasSizeGreaterThanOrEqualTo(40);

        JsonNode fetched = get("/api/v1/devices/http-1").json();
        assertThat(fetched.has("credentials")).isFalse();
        assertThat(fetched.at("/metadata/floor").asInt()).isEqualTo(3);
    }

    @Test
    void register_badInput_is4xxProblem_andNothingIsStored() throws Exception {
        long before = store.devices().count();
        assertProblem(post("/api/v1/devices", "{\"device_id\":"), 400, "invalid JSON");
        assertProblem(post("/api/v1/devices", """
                {"type":"sensor"}"""), 400, "device_id is required");
        assertProblem(post("/api/v1/devices", """
                {"device_id":"bad/id#"}"""), 400, "invalid device id");
        assertProblem(post("/api/v1/devices", """
                {"device_id":"ok-1","type":"toaster"}"""), 400, "unknown device type");
        assertProblem(post("/api/v1/devices", """
                {"device_id":"ok-2","colour":"red"}"""), 400, "colour");
        assertProblem(post("/api/v1/devices", """
                {"device_id":"ok-3","tags":"not-a-list"}"""), 400, "");
        Reply huge = post("/api/v1/devices", "{\"device_id\":\"ok-4\",\"name\":\"" + "x".repeat(100_000) + "\"}");
        assertThat(huge.status()).isEqualTo(413);
        assertThat(store.devices().count()).isEqualTo(before);
    }

    @Test
    void register_duplicate_is409() throws Exception {
        assertThat(post("/api/v1/devices", """
                {"device_id":"dup-1"}""").status()).isEqualTo(201);
        assertProblem(post("/api/v1/devices", """
                {"device_id":"dup-1"}"""), 409, "already exists");
    }

    @Test
    void list_pagesWithCursor() throws Exception {
        for (int i = 0; i < 3; i++) {
            post("/api/v1/devices", "{\"device_id\":\"page-" + i + "\"}");
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/v1/devices?limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            page.get("items").forEach(item -> seen.add(item.get("device_id").asText()));
            cursor = page.get("next_cursor").isNull()
                    ? null
                    : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 100);
        assertThat(seen).contains("page-0", "page-1", "page-2").hasSize((int)
                store.devices().count());
        assertProblem(get("/api/v1/devices?limit=0"), 400, "limit");
    }

    @Test
    void unknownDevice_is404Problem() throws Exception {
        assertProblem(get("/api/v1/devices/nobody"), 404, "nobody");
        assertProblem(get("/api/v1/devices/nobody/telemetry/latest"), 404, "nobody");
        assertProblem(get("/api/v1/devices/nobody/telemetry?metric=t"), 404, "nobody");
    }

    @Test
    void telemetry_latestRawAndBuckets() throws Exception {
        post("/api/v1/devices", """
                {"device_id":"tel-1"}""");
        DeviceId id = DeviceId.of("tel-1");
        long t0 = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            points.add(new Point(id, "temperature", t0 + i * 20_000L, Value.of(20 + i), "°C"));
        }
        points.add(new Point(id, "door", t0, Value.of(true), null));
        store.telemetryWriter().commit(CommitBatch.of(points));

        JsonNode latest = get("/api/v1/devices/tel-1/telemetry/latest").json();
        assertThat(latest.at("/metrics/temperature/value").asDouble()).isEqualTo(25.0);
        assertThat(latest.at("/metrics/temperature/unit").asText()).isEqualTo("°C");
        assertThat(latest.at("/metrics/door/value").asBoolean()).isTrue();

        JsonNode raw = get("/api/v1/devices/tel-1/telemetry?metric=temperature&from=" + t0 + "&to=" + (t0 + 60_000))
                .json();
        assertThat(raw.get("points")).extracting(p -> p.get("value").asDouble()).containsExactly(20.0, 21.0, 22.0);

        String fromIso = Instant.ofEpochMilli(t0).toString();
        JsonNode avg = get("/api/v1/devices/tel-1/telemetry?metric=temperature&from=" + fromIso + "&to="
                        + (t0 + 120_000) + "&interval=1m&agg=avg")
                .json();
        assertThat(avg.get("buckets"))
                .extracting(b -> b.get("value").asDouble())
                .containsExactly(21.0, 24.0);
        assertThat(avg.get("buckets")).extracting(b -> b.get("count").asInt()).containsExactly(3, 3);
        JsonNode max = get("/api/v1/devices/tel-1/telemetry?metric=temperature&from=" + t0 + "&to=" + (t0 + 120_000)
                        + "&interval=PT1M&agg=max")
                .json();
        assertThat(max.get("buckets"))
                .extracting(b -> b.get("value").asDouble())
                .containsExactly(22.0, 25.0);
        assertThat(max.get("source").asText())
                .as("whole minutes: the minute tier")
                .isEqualTo("1m");
        JsonNode ragged = get("/api/v1/devices/tel-1/telemetry?metric=temperature&from=" + (t0 + 30_000) + "&to="
                        + (t0 + 120_000) + "&interval=1m&agg=count,max")
                .json();
        assertThat(ragged.get("sources"))
                .as("the cut minute from raw points")
                .extracting(JsonNode::asText)
                .containsExactly("1m", "raw");
        assertThat(ragged.get("buckets"))
                .extracting(b -> b.get("count").asInt())
                .containsExactly(1, 3);
        assertThat(get("/api/v1/devices/tel-1/telemetry?metric=temperature&from=" + t0 + "&to=" + (t0 + 120_000)
                                + "&interval=20s")
                        .json()
                        .get("source")
                        .asText())
                .as("no tier divides 20 s")
                .isEqualTo("raw");

        // Several at once: each under its name; mean is avg; stddev of 20, 21, 22 (population) is sqrt(2/3).
        JsonNode several = get("/api/v1/devices/tel-1/telemetry?metric=temperature&from=" + t0 + "&to=" + (t0 + 120_000)
                        + "&interval=1m&agg=min,max,mean,stddev")
                .json();
        assertThat(several.get("aggs")).extracting(JsonNode::asText).containsExactly("min", "max", "avg", "stddev");
        assertThat(several.has("agg")).isFalse();
        JsonNode first = several.get("buckets").get(0);
        assertThat(first.has("value"))
                .as("only a single aggregation has a value")
                .isFalse();
        assertThat(first.get("min").asDouble()).isEqualTo(20.0);
        assertThat(first.get("max").asDouble()).isEqualTo(22.0);
        assertThat(first.get("avg").asDouble()).isEqualTo(21.0);
        assertThat(first.get("stddev").asDouble()).isCloseTo(Math.sqrt(2.0 / 3), within(1e-9));

        JsonNode metrics = get("/api/v1/devices/tel-1/telemetry/metrics").json();
        assertThat(metrics.get("metrics"))
                .extracting(m -> m.get("metric").asText())
                .containsExactly("door", "temperature");
        JsonNode temperature = metrics.get("metrics").get(1);
        assertThat(temperature.get("unit").asText()).isEqualTo("°C");
        assertThat(temperature.get("count").asLong()).isEqualTo(6);
        assertThat(temperature.get("first_ts").asLong()).isEqualTo(t0);
        assertThat(temperature.get("last_ts").asLong()).isEqualTo(t0 + 100_000);
        assertThat(temperature.get("last").asText())
                .isEqualTo(Instant.ofEpochMilli(t0 + 100_000).toString());
    }

    @Test
    void retention_showsEachLevelsPeriodAndOldestTime() throws Exception {
        post("/api/v1/devices", """
                {"device_id":"ret-1"}""");
        // Older than every other test's points, and within the raw period: no background pass deletes it.
        long day = (System.currentTimeMillis() / 86_400_000L - 20) * 86_400_000L;
        long t = day + 30_000;
        store.telemetryWriter()
                .commit(CommitBatch.of(List.of(new Point(DeviceId.of("ret-1"), "t", t, Value.of(1), null))));

        JsonNode retention = get("/api/v1/retention").json();

        assertThat(retention.get("interval").asText()).isEqualTo("1m");
        assertThat(retention.get("levels"))
                .extracting(l -> l.get("level").asText() + "=" + l.get("keep").asText())
                .containsExactly("raw=30d", "1m=1y", "1h=5y", "1d=forever");
        assertThat(retention.at("/levels/0/oldest").asText())
                .as("the oldest raw point of any series")
                .isEqualTo(Instant.ofEpochMilli(t).toString());
        assertThat(retention.at("/levels/3/oldest").asText())
                .isEqualTo(Instant.ofEpochMilli(day).toString());
        assertThat(retention.get("used_bytes").asLong()).isPositive();
        assertThat(retention.get("max_disk_bytes").isNull()).isTrue();
        assertThat(retention.get("overrides")).isEmpty();
        assertThat(send("GET", "/api/v1/retention", null, null).status()).isEqualTo(401);
    }

    @Test
    void telemetry_severalSeriesInOneCall_byIdsOrTag() throws Exception {
        post("/api/v1/devices", """
                {"device_id":"ms-1","tags":["floor-2"]}""");
        post("/api/v1/devices", """
                {"device_id":"ms-2","tags":["floor-2"]}""");
        post("/api/v1/devices", """
                {"device_id":"ms-3"}""");
        long t0 = (System.currentTimeMillis() / 60_000 - 10) * 60_000;
        List<Point> points = new ArrayList<>();
        for (String device : List.of("ms-1", "ms-2", "ms-3")) {
            int base = Integer.parseInt(device.substring(3)) * 10;
            for (int i = 0; i < 3; i++) {
                points.add(new Point(DeviceId.of(device), "temperature", t0 + i * 20_000L, Value.of(base + i), null));
                points.add(new Point(DeviceId.of(device), "humidity", t0 + i * 20_000L, Value.of(50 + base + i), null));
            }
        }
        store.telemetryWriter().commit(CommitBatch.of(points));
        String window = "&from=" + t0 + "&to=" + (t0 + 60_000);

        JsonNode byIds = get("/api/v1/telemetry?devices=ms-2,ms-1&metrics=temperature,humidity&interval=1m&agg=max"
                        + window)
                .json();
        assertThat(byIds.get("source").asText()).isEqualTo("1m");
        assertThat(byIds.get("series"))
                .extracting(series -> series.get("device_id").asText() + "/"
                        + series.get("metric").asText() + "="
                        + series.at("/buckets/0/max").asDouble())
                .containsExactly(
                        "ms-2/temperature=22.0", "ms-2/humidity=72.0", "ms-1/temperature=12.0", "ms-1/humidity=62.0");

        JsonNode byTag = get("/api/v1/telemetry?tag=floor-2&metrics=temperature" + window)
                .json();
        assertThat(byTag.get("series"))
                .extracting(series -> series.get("device_id").asText())
                .containsExactlyInAnyOrder("ms-1", "ms-2");
        assertThat(byTag.at("/series/0/points")).hasSize(3);
        assertThat(byTag.get("source").asText()).isEqualTo("raw");

        assertProblem(get("/api/v1/telemetry?metrics=temperature"), 400, "one of the two");
        assertProblem(get("/api/v1/telemetry?devices=ms-1&tag=floor-2&metrics=t"), 400, "one of the two");
        assertProblem(get("/api/v1/telemetry?devices=ms-1"), 400, "metrics");
        assertProblem(get("/api/v1/telemetry?devices=ms-1,nobody&metrics=t"), 404, "nobody");
        assertProblem(
                get("/api/v1/telemetry?devices=ms-1,ms-2&metrics=t&interval=1s&from=0&to=86400000"),
                400,
                "widen the interval");
        assertProblem(get("/api/v1/telemetry?devices=ms-1,ms-2&metrics=t&limit=60000"), 400, "lower the limit");
        String tooMany = String.join(
                ",",
                java.util.stream.IntStream.range(0, 101).mapToObj(i -> "m" + i).toList());
        assertProblem(get("/api/v1/telemetry?devices=ms-1&metrics=" + tooMany), 400, "fewer devices or metrics");
    }

    @Test
    void telemetry_asCsv_streamsEveryPointOfTheRange_andBuckets() throws Exception {
        post("/api/v1/devices", """
                {"device_id":"csv-1"}""");
        DeviceId id = DeviceId.of("csv-1");
        long t0 = (System.currentTimeMillis() / 60_000 - 100) * 60_000;
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            points.add(new Point(id, "t", t0 + i, Value.of(i), "°C"));
        }
        points.add(new Point(id, "mode", t0, Value.of("eco, \"quiet\""), null));
        store.telemetryWriter().commit(CommitBatch.of(points));

        Reply raw = get("/api/v1/devices/csv-1/telemetry?metric=t&format=csv&from=" + t0 + "&to=" + (t0 + 5_000));
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.contentType()).startsWith("text/csv");
        List<String> lines = raw.body().lines().toList();
        assertThat(lines)
                .as("every point, beyond the JSON default limit of 1,000")
                .hasSize(5_001);
        assertThat(lines.get(0)).isEqualTo("time,ts,value,unit");
        assertThat(lines.get(1)).isEqualTo(Instant.ofEpochMilli(t0) + "," + t0 + ",0.0,°C");

        Reply text = get("/api/v1/devices/csv-1/telemetry?metric=mode&format=csv&from=" + t0 + "&to=" + (t0 + 1));
        assertThat(text.body().lines().toList().get(1)).endsWith(",\"eco, \"\"quiet\"\"\",");

        Reply buckets = get("/api/v1/devices/csv-1/telemetry?metric=t&format=csv&interval=1s&agg=min,max&from=" + t0
                + "&to=" + (t0 + 2_000));
        assertThat(buckets.body().lines().toList())
                .containsExactly(
                        "time,ts,count,min,max",
                        Instant.ofEpochMilli(t0) + "," + t0 + ",1000,0.0,999.0",
                        Instant.ofEpochMilli(t0 + 1000) + "," + (t0 + 1000) + ",1000,1000.0,1999.0");
        assertProblem(get("/api/v1/devices/csv-1/telemetry?metric=t&format=xml"), 400, "expected json or csv");
    }

    @Test
    void telemetry_abusiveOrInvalidQueries_are400() throws Exception {
        post("/api/v1/devices", """
                {"device_id":"tel-2"}""");
        assertProblem(get("/api/v1/devices/tel-2/telemetry"), 400, "metric");
        assertProblem(get("/api/v1/devices/tel-2/telemetry?metric=t&from=yesterday"), 400, "ISO-8601");
        assertProblem(get("/api/v1/devices/tel-2/telemetry?metric=t&from=2000&to=1000"), 400, "after");
        assertProblem(
                get("/api/v1/devices/tel-2/telemetry?metric=t&from=0&to=1700000000000&interval=1s"), 400, "buckets");
        assertProblem(
                get("/api/v1/devices/tel-2/telemetry?metric=t&interval=1m&agg=median"), 400, "unknown aggregation");
        assertProblem(get("/api/v1/devices/tel-2/telemetry?metric=t&interval=soon"), 400, "duration");
        assertProblem(get("/api/v1/devices/tel-2/telemetry?metric=t&limit=1000000"), 400, "limit");
        assertProblem(get("/api/v1/devices/tel-2/telemetry?metric=t&agg=avg"), 400, "interval");
        assertProblem(
                get("/api/v1/devices/tel-2/telemetry?metric=t&interval=1m&agg=min,,max"), 400, "empty aggregation");
        assertProblem(
                get("/api/v1/devices/tel-2/telemetry?metric=t&interval=1m&agg=min,median"), 400, "unknown aggregation");
        assertProblem(
                get("/api/v1/devices/tel-2/telemetry?metric=t&interval=1m&source=rollups"),
                400,
                "expected auto or raw");
        assertProblem(get("/api/v1/devices/nobody/telemetry/metrics"), 404, "nobody");
    }

    @Test
    void unknownPathAndWrongMethod_areProblems() throws Exception {
        assertProblem(get("/api/v1/nothing-here"), 404, "/api/v1/nothing-here");
        assertProblem(send("DELETE", "/health", null, TOKEN), 405, "DELETE");
    }

    @Test
    void healthReadyMetrics_needNoToken() throws Exception {
        assertThat(send("GET", "/health", null, null).status()).isEqualTo(200);
        Reply ready = send("GET", "/ready", null, null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().at("/checks/store").asText()).isEqualTo("UP");
        storeReady.set(false);
        try {
            Reply down = send("GET", "/ready", null, null);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.json().at("/checks/store").asText()).isEqualTo("DOWN");
        } finally {
            storeReady.set(true);
        }
        Reply metrics = send("GET", "/metrics", null, null);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body()).contains("iot_mqtt_messages_received_total 3.0");
    }

    @Test
    void console_isServed() throws Exception {
        Reply page = send("GET", "/", null, null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Edgeward console</title>").contains("/api/v1/devices");
    }

    @Test
    void processing_isReplacedValidatedAndVersioned_andItsStreamReadThroughACursor() throws Exception {
        register("proc-1", "");
        long version = get("/api/v1/processing").json().get("version").asLong();
        Reply invalid = send("PUT", "/api/v1/processing", """
                {"filters": [{"name": "b", "match": {"metric": "x"}, "deadband": {"absolute": 1},
                              "threshold": {"above": 2}}], "windows": [{"name": "w"}]}""", TOKEN);
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.contentType()).startsWith("application/problem+json");
        assertThat(invalid.json().get("detail").asText())
                .contains("filters[0]: a filter takes exactly one of")
                .contains("windows[0].match")
                .contains("windows[0].size");

        Reply put = send("PUT", "/api/v1/processing", """
                {"version": %d, "author": "alice",
                 "filters": [{"name": "proc-band", "match": {"device": "proc-*", "metric": "temp"},
                              "deadband": {"absolute": 0.5}, "heartbeat": "5m"}]}""".formatted(version), TOKEN);
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("version").asLong()).isEqualTo(version + 1);
        assertThat(put.json().get("updated_by").asText()).isEqualTo("alice");
        assertThat(put.json().at("/filters/0/deadband/absolute").asDouble()).isEqualTo(0.5);
        assertThat(put.json().at("/filters/0/heartbeat").asText()).isEqualTo("5m");
        Reply stale = send("PUT", "/api/v1/processing", """
                {"version": %d, "filters": []}""".formatted(version), TOKEN);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(get("/api/v1/processing/versions?limit=1")
                        .json()
                        .at("/versions/0/author")
                        .asText())
                .isEqualTo("alice");

        long t0 = System.currentTimeMillis() - 60_000;
        double[] values = {20.0, 20.2, 20.9};
        for (int i = 0; i < values.length; i++) {
            submit("proc-1", t0 + i, "temp", values[i]);
        }
        JsonNode read =
                get("/api/v1/processing/consumers/it-sync/records?limit=10").json();
        assertThat(read.get("records"))
                .extracting(
                        r -> r.get("device_id").asText() + ":" + r.get("value").asDouble())
                .containsExactly("proc-1:20.0", "proc-1:20.9");
        long lastSeq = read.at("/records/1/seq").asLong();
        Reply ack = post("/api/v1/processing/consumers/it-sync/ack", "{\"seq\": " + lastSeq + "}");
        assertThat(ack.json().get("cursor").asLong()).isEqualTo(lastSeq);
        assertThat(get("/api/v1/processing/consumers/it-sync/records").json().get("records"))
                .isEmpty();
        Reply seek = post(
                "/api/v1/processing/consumers/it-sync/seek",
                "{\"time\": \"" + Instant.ofEpochMilli(t0).toString() + "\"}");
        assertThat(seek.status()).isEqualTo(200);
        assertThat(get("/api/v1/processing/consumers/it-sync/records").json().get("records"))
                .hasSize(2);
        assertThat(get("/api/v1/processing/stream?device=proc-1").json().get("records"))
                .hasSize(2);
        assertThat(post("/api/v1/processing/consumers/bad%20name!/ack", "{\"seq\": 1}")
                        .status())
                .isEqualTo(400);
        assertThat(get("/api/v1/processing/stream?after=-3").status()).isEqualTo(400);
        assertThat(send("PUT", "/api/v1/processing", "{}", null).status()).isEqualTo(401);
        assertThat(send("GET", "/metrics", null, null).body())
                .contains("edgeward_processing_filtered_total{filter=\"proc-band\"} 1.0");
    }

    @Test
    void rules_areValidatedWithPositions_versioned_replayed_andTheirAlarmsAcknowledgedClearedAndStreamed()
            throws Exception {
        register("rule-1", "");
        Reply invalid = post("/api/v1/rules", """
                {"id": "hot", "metric": "temperature", "condition": "value >> 80", "actions": [{"type": "beep"}]}""");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.contentType()).startsWith("application/problem+json");
        assertThat(invalid.json().get("type").asText()).isEqualTo("/problems/invalid-rule");
        assertThat(invalid.json().get("problems")).hasSize(2);
        assertThat(invalid.json().at("/positions/condition/0/line").asInt()).isEqualTo(1);
        assertThat(invalid.json().at("/positions/condition/0/column").asInt()).isEqualTo(8);
        assertThat(post("/api/v1/rules/validate", """
                        {"id": "hot", "condition": "value > 80"}""").json().get("valid").asBoolean())
                .isTrue();

        String rule = """
                {"id": "hot", "author": "ana", "selector": {"devices": ["rule-*"]}, "metric": "temperature",
                 "condition": "value > 80", "actions": [{"type": "alarm", "severity": "critical"}]}""";
        Reply created = post("/api/v1/rules", rule);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/rules/hot");
        assertThat(created.json().get("version").asLong()).isEqualTo(1);
        assertThat(created.json().get("author").asText()).isEqualTo("ana");
        assertThat(created.json().get("warnings").get(0).asText()).contains("temperature");
        Reply again = post("/api/v1/rules", rule);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("type").asText()).isEqualTo("/problems/rule-exists");
        Reply stale = send("PUT", "/api/v1/rules/hot", """
                {"version": 7, "condition": "value > 90"}""", TOKEN);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().get("current_version").asLong()).isEqualTo(1);

        HttpResponse<InputStream> events = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/api/v1/alarms/events"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .header("Accept", "text/event-stream")
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8));

        long t0 = System.currentTimeMillis() - 60_000;
        for (double value : new double[] {70, 85}) {
            submit("rule-1", t0 += 1000, "temperature", value);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> get("/api/v1/alarms?status=active&device=rule-1")
                                .json()
                                .get("alarms")
                                .size()
                        == 1);
        JsonNode alarm =
                get("/api/v1/alarms?status=active&device=rule-1").json().at("/alarms/0");
        assertThat(alarm.get("severity").asText()).isEqualTo("critical");
        assertThat(alarm.get("status").asText()).isEqualTo("active_unack");
        assertThat(alarm.get("last_value").asDouble()).isEqualTo(85.0);
        String event;
        while (!(event = lines.readLine()).startsWith("event:")) {
            // the stream's opening comment and blank lines
        }
        assertThat(event).isEqualTo("event: alarm");
        assertThat(lines.readLine()).startsWith("data: ").contains("\"rule_id\":\"hot\"");
        events.body().close();

        String id = alarm.get("id").asText();
        Reply ack = post("/api/v1/alarms/" + id + "/ack", """
                {"by": "ana", "comment": "on it"}""");
        assertThat(ack.json().get("status").asText()).isEqualTo("active_ack");
        Reply cleared = post("/api/v1/alarms/" + id + "/clear", "");
        assertThat(cleared.json().get("status").asText()).isEqualTo("cleared_ack");
        assertThat(get("/api/v1/alarms/" + id).json().get("history"))
                .extracting(e -> e.get("event").asText() + ":" + e.get("by").asText())
                .containsExactly("raised:rule", "acknowledged:ana", "cleared:api");
        assertThat(get("/api/v1/alarms?status=sleeping").status()).isEqualTo(400);
        assertThat(get("/api/v1/alarms/nope").json().get("type").asText()).isEqualTo("/problems/alarm-not-found");

        Reply replay = post("/api/v1/rules/replay", """
                {"rule_id": "hot", "from": %d, "to": %d}""".formatted(t0 - 10_000, t0 + 1));
        assertThat(replay.status()).as(replay.body()).isEqualTo(200);
        assertThat(replay.json().get("transitions"))
                .extracting(t ->
                        t.get("event").asText() + ":" + t.at("/point/value").asDouble())
                .containsExactly("fired:85.0");
        assertThat(post("/api/v1/rules/replay", """
                        {"rule_id": "hot", "from": 10, "to": 5}""").status()).isEqualTo(400);

        assertThat(post("/api/v1/rules/hot/disable", "").json().get("enabled").asBoolean())
                .isFalse();
        assertThat(get("/api/v1/rules/hot/versions").json().get("versions"))
                .extracting(v -> v.get("version").asLong())
                .containsExactly(2L, 1L);
        assertThat(send("DELETE", "/api/v1/rules/hot?version=1", null, TOKEN).status())
                .isEqualTo(409);
        assertThat(send("DELETE", "/api/v1/rules/hot", null, TOKEN).status()).isEqualTo(204);
        assertThat(get("/api/v1/rules/hot").json().get("type").asText()).isEqualTo("/problems/rule-not-found");
        assertThat(send("GET", "/metrics", null, null).body())
                .contains("iot_rules_triggered_total{rule=\"hot\"} 1.0")
                .contains("edgeward_alarms_active{severity=\"critical\"}");
    }

    @Test
    void firmware_upload_downloadWholeOrByRange_etag_signedManifest_refusals_andDelete() throws Exception {
        byte[] image = new byte[300_000];
        new java.util.Random(3).nextBytes(image);
        HttpResponse<byte[]> created = firmwareRequest(
                "POST",
                "/api/v1/firmware?model=T100&version=2.1.0&filename=t100.bin&meta.board=rev-b",
                image,
                Map.of("Content-Type", "application/octet-stream"));
        assertThat(created.statusCode())
                .as(new String(created.body(), StandardCharsets.UTF_8))
                .isEqualTo(201);
        JsonNode release = JSON.readTree(created.body());
        String id = release.path("id").asText();
        String sha256 = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(image));
        assertThat(release.path("sha256").asText()).isEqualTo(sha256);
        assertThat(release.at("/metadata/board").asText()).isEqualTo("rev-b");
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/firmware/" + id);
        String content = "/api/v1/firmware/" + id + "/content";

        HttpResponse<byte[]> whole = firmwareRequest("GET", content, null, Map.of());
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(image);
        assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + sha256 + "\"");
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.headers().firstValue("Content-Length")).hasValue("300000");

        HttpResponse<byte[]> middle = firmwareRequest("GET", content, null, Map.of("Range", "bytes=1000-1999"));
        assertThat(middle.statusCode()).isEqualTo(206);
        assertThat(middle.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/300000");
        assertThat(middle.body()).isEqualTo(java.util.Arrays.copyOfRange(image, 1000, 2000));
        HttpResponse<byte[]> resumed = firmwareRequest(
                "GET", content, null, Map.of("Range", "bytes=299000-", "If-Range", "\"" + sha256 + "\""));
        assertThat(resumed.statusCode())
                .as("a download cut at 299,000 bytes resumes")
                .isEqualTo(206);
        assertThat(resumed.body()).isEqualTo(java.util.Arrays.copyOfRange(image, 299_000, 300_000));
        assertThat(firmwareRequest("GET", content, null, Map.of("Range", "bytes=-500"))
                        .body())
                .isEqualTo(java.util.Arrays.copyOfRange(image, 299_500, 300_000));
        assertThat(firmwareRequest("GET", content, null, Map.of("Range", "bytes=0-0", "If-Range", "\"other\""))
                        .statusCode())
                .as("If-Range of another image: the whole image")
                .isEqualTo(200);
        for (String bad : List.of("bytes=300000-", "bytes=5-2", "bytes=abc", "bytes=-0", "items=0-1")) {
            HttpResponse<byte[]> refused = firmwareRequest("GET", content, null, Map.of("Range", bad));
            assertThat(refused.statusCode()).as(bad).isEqualTo(416);
            assertThat(refused.headers().firstValue("Content-Range")).hasValue("bytes */300000");
            assertThat(problem(refused).path("type").asText()).endsWith("range-not-satisfiable");
        }
        assertThat(firmwareRequest("GET", content, null, Map.of("If-None-Match", "\"" + sha256 + "\""))
                        .statusCode())
                .isEqualTo(304);
        HttpResponse<byte[]> head = firmwareRequest("HEAD", content, null, Map.of("Range", "bytes=0-99"));
        assertThat(head.statusCode()).isEqualTo(206);
        assertThat(head.headers().firstValue("Content-Length")).hasValue("100");
        assertThat(head.body()).isEmpty();

        JsonNode manifest = get("/api/v1/firmware/" + id + "/manifest").json();
        JsonNode key = get("/api/v1/firmware/signing-key").json();
        java.security.Signature verifier = java.security.Signature.getInstance("Ed25519");
        verifier.initVerify(java.security.KeyFactory.getInstance("Ed25519")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(java.util.Base64.getDecoder()
                        .decode(key.path("public_key_pem")
                                .asText()
                                .replaceAll("-----[A-Z ]+-----", "")
                                .replaceAll("\\s", "")))));
        verifier.update(manifest.path("manifest").asText().getBytes(StandardCharsets.UTF_8));
        assertThat(verifier.verify(java.util.Base64.getDecoder()
                        .decode(manifest.path("signature").asText())))
                .as("the manifest verifies with the served key")
                .isTrue();
        assertThat(JSON.readTree(manifest.path("manifest").asText())
                        .path("sha256")
                        .asText())
                .isEqualTo(sha256);

        HttpResponse<byte[]> again =
                firmwareRequest("POST", "/api/v1/firmware?model=T100&version=2.1.0", image, Map.of());
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(problem(again).path("detail").asText()).contains("already has a release of version 2.1.0");
        HttpResponse<byte[]> noModel = firmwareRequest("POST", "/api/v1/firmware?version=2.2.0", image, Map.of());
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(problem(noModel).path("detail").asText()).contains("model is required");
        HttpResponse<byte[]> tooLarge = firmwareRequest(
                "POST", "/api/v1/firmware?model=T100&version=9.0.0", new byte[(int) MAX_IMAGE + 1], Map.of());
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(problem(tooLarge).path("type").asText()).endsWith("firmware-too-large");
        assertThat(get("/api/v1/firmware?model=T100").json().path("firmware"))
                .extracting(f -> f.path("id").asText())
                .containsExactly(id);
        assertThat(get("/metrics").body()).contains("edgeward_firmware_uploads_total");

        assertThat(firmwareRequest("DELETE", "/api/v1/firmware/" + id, null, Map.of())
                        .statusCode())
                .isEqualTo(204);
        assertThat(problem(firmwareRequest("GET", content, null, Map.of()))
                        .path("type")
                        .asText())
                .endsWith("firmware-not-found");
    }

    static String secretOf(String id, String extra) throws Exception {
        Reply reply = post("/api/v1/devices", "{\"device_id\":\"" + id + "\"" + extra + "}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().at("/credentials/password").asText();
    }

    static HttpResponse<byte[]> asDevice(
            String method, String path, String secret, String body, Map<String, String> headers) throws Exception {
        return ddi(method, path, "TargetToken", secret, body, headers);
    }

    @Test
    void rollout_createdWithTheDevicesLeftOut_downloadedByItsDevicesOnly_reported_andCanceled() throws Exception {
        String model = ",\"model\":\"R200\",\"firmware_version\":\"1.0.0\"";
        String secret1 = secretOf("ro-1", model);
        String secret2 = secretOf("ro-2", model);
        register("ro-old", ",\"model\":\"R200\",\"firmware_version\":\"3.0.0\"");
        byte[] image = new byte[50_000];
        new java.util.Random(9).nextBytes(image);
        HttpResponse<byte[]> uploaded =
                firmwareRequest("POST", "/api/v1/firmware?model=R200&version=2.0.0", image, Map.of());
        String firmwareId = JSON.readTree(uploaded.body()).path("id").asText();

        Reply created = post(
                "/api/v1/rollouts",
                "{\"firmware_id\":\"" + firmwareId + "\",\"devices\":[\"ro-1\",\"ro-2\",\"ro-old\"],"
                        + "\"waves\":{\"canary\":1,\"success_threshold\":100,\"error_threshold\":0}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode rollout = created.json();
        String id = rollout.path("id").asText();
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/rollouts/" + id);
        assertThat(rollout.path("status").asText()).isEqualTo("running");
        assertThat(rollout.path("waves").asInt()).isEqualTo(2);
        assertThat(rollout.at("/skipped/0/device_id").asText()).isEqualTo("ro-old");
        assertThat(rollout.at("/skipped/0/reason").asText()).contains("not older than 2.0.0");
        assertThat(rollout.at("/states/pending").asInt()).isEqualTo(1);
        assertThat(rollout.at("/states/scheduled").asInt()).isEqualTo(1);

        JsonNode jobs =
                get("/api/v1/rollouts/" + id + "/jobs?status=pending").json().path("jobs");
        assertThat(jobs).hasSize(1);
        String jobId = jobs.get(0).path("id").asText();
        String owner = jobs.get(0).path("device_id").asText();
        String ownSecret = owner.equals("ro-1") ? secret1 : secret2;
        String otherSecret = owner.equals("ro-1") ? secret2 : secret1;
        String download = "/ota/v1/jobs/" + jobId + "/firmware";

        assertThat(asDevice("GET", download, null, null, Map.of()).statusCode()).isEqualTo(401);
        assertThat(asDevice("GET", download, otherSecret, null, Map.of()).statusCode())
                .as("another device's secret")
                .isEqualTo(401);
        assertThat(asDevice("GET", "/ota/v1/jobs/job-0000/firmware", ownSecret, null, Map.of())
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<byte[]> part = asDevice("GET", download, ownSecret, null, Map.of("Range", "bytes=49000-"));
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(image, 49_000, 50_000));
        assertThat(asDevice("GET", download, ownSecret, null, Map.of("Range", "bytes=60000-"))
                        .statusCode())
                .isEqualTo(416);

        HttpResponse<byte[]> bad =
                asDevice("POST", "/ota/v1/jobs/" + jobId + "/progress", ownSecret, "{\"status\":\"flying\"}", Map.of());
        assertThat(bad.statusCode()).isEqualTo(400);
        HttpResponse<byte[]> done = asDevice(
                "POST", "/ota/v1/jobs/" + jobId + "/progress", ownSecret, "{\"status\":\"completed\"}", Map.of());
        assertThat(done.statusCode())
                .as(new String(done.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        assertThat(JSON.readTree(done.body()).path("status").asText()).isEqualTo("completed");
        assertThat(get("/api/v1/devices/" + owner)
                        .json()
                        .path("firmware_version")
                        .asText())
                .isEqualTo("2.0.0");
        assertThat(asDevice("GET", download, ownSecret, null, Map.of()).statusCode())
                .as("a job that is over serves nothing")
                .isEqualTo(409);

        JsonNode now = get("/api/v1/rollouts/" + id).json();
        assertThat(now.path("current_wave").asInt()).isEqualTo(2);
        assertThat(now.at("/wave_counts/0/states/completed").asInt()).isEqualTo(1);
        assertThat(now.at("/wave_counts/1/states/pending").asInt()).isEqualTo(1);
        assertThat(get("/api/v1/devices/" + owner + "/ota/jobs")
                        .json()
                        .at("/jobs/0/id")
                        .asText())
                .isEqualTo(jobId);

        HttpResponse<byte[]> inUse = firmwareRequest("DELETE", "/api/v1/firmware/" + firmwareId, null, Map.of());
        assertThat(inUse.statusCode()).isEqualTo(409);
        assertThat(problem(inUse).path("type").asText()).endsWith("firmware-in-use");
        assertThat(post("/api/v1/rollouts/" + id + "/approve", null).status()).isEqualTo(409);
        Reply canceled = post("/api/v1/rollouts/" + id + "/cancel", null);
        assertThat(canceled.json().path("status").asText()).isEqualTo("canceled");
        assertThat(canceled.json().at("/states/canceled").asInt()).isEqualTo(1);
        assertThat(post("/api/v1/rollouts/" + id + "/cancel", null).status()).isEqualTo(409);
        assertThat(get("/api/v1/rollouts").json().path("rollouts").findValuesAsText("id"))
                .contains(id);

        assertThat(get("/api/v1/rollouts/ro-nope").status()).isEqualTo(404);
        assertThat(post("/api/v1/rollouts", "{\"devices\":[\"ro-1\"]}").status())
                .isEqualTo(400);
        assertThat(post(
                                "/api/v1/rollouts",
                                "{\"firmware_id\":\"" + firmwareId + "\",\"devices\":[\"ro-1\"],\"type\":\"toaster\"}")
                        .status())
                .isEqualTo(400);
        assertThat(post("/api/v1/rollouts", "{\"firmware_id\":\"" + firmwareId + "\",\"tags\":[\"nobody\"]}")
                        .status())
                .as("no device to update")
                .isEqualTo(400);
    }

    static HttpResponse<byte[]> ddi(
            String method, String path, String scheme, String token, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", scheme + " " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void hawkbitDdi_pollDeploymentDownloadFeedbackAndConfigData_forItsOwnDeviceOnly() throws Exception {
        String model = ",\"model\":\"DD1\",\"firmware_version\":\"1.0.0\"";
        String own = secretOf("dd-1", model);
        String other = secretOf("dd-2", model);
        byte[] image = new byte[40_000];
        new java.util.Random(5).nextBytes(image);
        String firmwareId = JSON.readTree(firmwareRequest(
                                "POST", "/api/v1/firmware?model=DD1&version=2.0.0&filename=dd.swu", image, Map.of())
                        .body())
                .path("id")
                .asText();
        assertThat(post("/api/v1/rollouts", "{\"firmware_id\":\"" + firmwareId + "\",\"devices\":[\"dd-1\"]}")
                        .status())
                .isEqualTo(201);
        String controller = "/DEFAULT/controller/v1/dd-1";

        assertThat(ddi("GET", controller, null, null, null, Map.of()).statusCode())
                .isEqualTo(401);
        assertThat(ddi("GET", controller, "TargetToken", other, null, Map.of()).statusCode())
                .as("another device's secret")
                .isEqualTo(401);
        assertThat(ddi("GET", "/OTHER/controller/v1/dd-1", "TargetToken", own, null, Map.of())
                        .statusCode())
                .isEqualTo(404);
        HttpResponse<byte[]> polled = ddi("GET", controller, "TargetToken", own, null, Map.of());
        assertThat(polled.statusCode()).isEqualTo(200);
        JsonNode poll = JSON.readTree(polled.body());
        assertThat(poll.at("/config/polling/sleep").asText()).isEqualTo("00:01:00");
        String deployment = poll.at("/_links/deploymentBase/href").asText();
        assertThat(deployment).startsWith(base + controller + "/deploymentBase/");
        assertThat(poll.at("/_links/configData/href").asText()).isEqualTo(base + controller + "/configData");
        String actionId = deployment.replaceAll(".*/deploymentBase/(\\d+).*", "$1");

        JsonNode base = JSON.readTree(
                ddi("GET", deployment.substring(HttpApiIT.base.length()), "TargetToken", own, null, Map.of())
                        .body());
        assertThat(base.path("id").asText()).isEqualTo(actionId);
        JsonNode artifact = base.at("/deployment/chunks/0/artifacts/0");
        assertThat(base.at("/deployment/chunks/0/version").asText()).isEqualTo("2.0.0");
        assertThat(artifact.path("filename").asText()).isEqualTo("dd.swu");
        assertThat(artifact.path("size").asLong()).isEqualTo(40_000);
        assertThat(artifact.at("/hashes/sha1").asText())
                .isEqualTo(java.util.HexFormat.of()
                        .formatHex(
                                java.security.MessageDigest.getInstance("SHA-1").digest(image)));
        String download = artifact.at("/_links/download-http/href").asText().substring(HttpApiIT.base.length());

        assertThat(ddi(
                                "GET",
                                "/DEFAULT/controller/v1/dd-2/deploymentBase/" + actionId,
                                "TargetToken",
                                other,
                                null,
                                Map.of())
                        .statusCode())
                .as("dd-1's action asked for by dd-2")
                .isEqualTo(403);
        assertThat(ddi("GET", download.replace("/dd-1/", "/dd-2/"), "TargetToken", other, null, Map.of())
                        .statusCode())
                .as("a release not offered to dd-2")
                .isEqualTo(403);
        HttpResponse<byte[]> range = ddi("GET", download, "TargetToken", own, null, Map.of("Range", "bytes=39000-"));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(image, 39_000, 40_000));

        String feedback = controller + "/deploymentBase/" + actionId + "/feedback";
        assertThat(ddi("POST", feedback, "TargetToken", own, "{\"status\":{\"execution\":\"dancing\"}}", Map.of())
                        .statusCode())
                .isEqualTo(400);
        assertThat(ddi("POST", feedback, "TargetToken", own, "not json", Map.of())
                        .statusCode())
                .isEqualTo(400);
        assertThat(ddi(
                                "POST",
                                feedback,
                                "TargetToken",
                                own,
                                "{\"id\":" + actionId
                                        + ",\"time\":\"20261206T120000\",\"status\":{\"execution\":\"proceeding\","
                                        + "\"result\":{\"finished\":\"none\",\"progress\":{\"cnt\":1,\"of\":2}},\"details\":[\"Downloading\"]}}",
                                Map.of())
                        .statusCode())
                .isEqualTo(200);
        JsonNode job = get("/api/v1/devices/dd-1/ota/jobs").json().at("/jobs/0");
        assertThat(job.path("status").asText()).isEqualTo("downloading");
        assertThat(job.path("progress").asInt()).isEqualTo(50);
        assertThat(ddi(
                                "POST",
                                feedback,
                                "TargetToken",
                                own,
                                "{\"id\":" + actionId
                                        + ",\"status\":{\"execution\":\"closed\",\"result\":{\"finished\":\"success\"}}}",
                                Map.of())
                        .statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/devices/dd-1/ota/jobs")
                        .json()
                        .at("/jobs/0/status")
                        .asText())
                .isEqualTo("completed");
        assertThat(JSON.readTree(ddi("GET", controller, "TargetToken", own, null, Map.of())
                                .body())
                        .at("/_links/deploymentBase")
                        .isMissingNode())
                .as("nothing more to do")
                .isTrue();

        assertThat(ddi(
                                "PUT",
                                controller + "/configData",
                                "TargetToken",
                                own,
                                "{\"mode\":\"merge\",\"data\":{\"hwRevision\":\"2\",\"VIN\":\"JH4TB2H26CC000000\"}}",
                                Map.of())
                        .statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/devices/dd-1").json().at("/metadata/hwRevision").asText())
                .isEqualTo("2");
        assertThat(ddi("PUT", controller + "/configData", "TargetToken", own, "{\"data\":[1]}", Map.of())
                        .statusCode())
                .isEqualTo(400);
    }

    /** A multipart/form-data body with the fields, then the file in the part {@code file}. */
    static byte[] form(String boundary, Map<String, String> fields, String filename, byte[] file) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        fields.forEach((name, value) -> body.writeBytes(
                ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                        .getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    @Test
    void firmware_uploadedAsAForm_keepsItsFieldsAndFilename_andAnOversizedOneIs413() throws Exception {
        byte[] image = new byte[900_000]; // this node's ota.max-image-size is 1 MiB
        new java.util.Random(13).nextBytes(image);
        HttpResponse<byte[]> created = firmwareRequest(
                "POST",
                "/api/v1/firmware",
                form(
                        "edgeward-boundary",
                        Map.of("model", "F10", "version", "3.0.0", "meta.board", "rev-c"),
                        "f10.bin",
                        image),
                Map.of("Content-Type", "multipart/form-data; boundary=edgeward-boundary"));
        assertThat(created.statusCode())
                .as(new String(created.body(), StandardCharsets.UTF_8))
                .isEqualTo(201);
        JsonNode release = JSON.readTree(created.body());
        assertThat(release.path("model").asText()).isEqualTo("F10");
        assertThat(release.path("filename").asText()).isEqualTo("f10.bin");
        assertThat(release.at("/metadata/board").asText()).isEqualTo("rev-c");
        assertThat(release.path("sha256").asText())
                .isEqualTo(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(image)));

        HttpResponse<byte[]> tooLarge = firmwareRequest(
                "POST",
                "/api/v1/firmware",
                form("b2", Map.of("model", "F10", "version", "3.0.1"), "big.bin", new byte[(int) MAX_IMAGE + 1000]),
                Map.of("Content-Type", "multipart/form-data; boundary=b2"));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        HttpResponse<byte[]> noFile = firmwareRequest(
                "POST",
                "/api/v1/firmware",
                ("--b3\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nF10\r\n--b3--\r\n")
                        .getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "multipart/form-data; boundary=b3"));
        assertThat(noFile.statusCode()).isEqualTo(400);
        assertThat(problem(noFile).path("detail").asText()).contains("part named 'file'");
    }

    @Test
    void openApiDocument_describesExactlyTheServedRoutes() throws Exception {
        Reply doc = send("GET", "/openapi.yaml", null, null);
        JsonNode openapi = new YAMLMapper().readTree(doc.body());
        Set<String> documented = new HashSet<>();
        openapi.get("paths")
                .fields()
                .forEachRemaining(path -> path.getValue()
                        .fieldNames()
                        .forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey())));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(api.routes());
    }
}
