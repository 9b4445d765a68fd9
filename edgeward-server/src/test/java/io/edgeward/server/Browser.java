package io.edgeward.server;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium driven over the DevTools protocol, for console tests that click: the JDK's
 * WebSocket client speaks to the page; {@link #evaluate} runs a script in it (awaiting a promise)
 * and {@link #setFiles} fills a file input, as an operator choosing a file would.
 */
final class Browser implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();

    Browser(Path profile, String url) throws Exception {
        Files.createDirectories(profile);
        process = new ProcessBuilder(List.of(
                        "chromium",
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--remote-debugging-port=0",
                        "--user-data-dir=" + profile,
                        url))
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        Path active = profile.resolve("DevToolsActivePort");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .failFast("chromium exited (see " + profile + "/chromium.log)", () -> !process.isAlive())
                .until(() -> Files.exists(active) && !Files.readAllLines(active).isEmpty());
        int port = Integer.parseInt(Files.readAllLines(active).get(0).trim());
        HttpClient http = HttpClient.newHttpClient();
        URI targets = URI.create("http://127.0.0.1:" + port + "/json/list");
        String page = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> pageTarget(http, targets), java.util.Objects::nonNull);
        socket = http.newWebSocketBuilder()
                .buildAsync(URI.create(page), new Listener())
                .get(10, TimeUnit.SECONDS);
    }

    /** Sends a DevTools command and waits for its result. */
    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
        JsonNode answer = reply.get(30, TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        return answer.path("result");
    }

    /** The value of {@code expression} in the page (a promise is awaited); a thrown error fails the call. */
    JsonNode evaluate(String expression) throws Exception {
        ObjectNode params = JSON.createObjectNode()
                .put("expression", expression)
                .put("awaitPromise", true)
                .put("returnByValue", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("the page threw: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** The DevTools WebSocket of the browser's page, once it has one. */
    private static String pageTarget(HttpClient http, URI targets) throws Exception {
        for (JsonNode target :
                JSON.readTree(http.send(HttpRequest.newBuilder(targets).build(), HttpResponse.BodyHandlers.ofString())
                        .body())) {
            if (target.path("type").asText().equals("page")) {
                return target.path("webSocketDebuggerUrl").asText();
            }
        }
        return null;
    }

    /** Evaluates {@code condition} until it is true; on a timeout the page's text says what it showed. */
    void until(String condition, Duration within) throws Exception {
        try {
            await().atMost(within)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> evaluate(condition).asBoolean());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "the page never satisfied: " + condition + "\n"
                            + evaluate("document.body.innerText").asText(),
                    e);
        }
    }

    /** Puts {@code file} into the file input {@code selector}. */
    void setFiles(String selector, Path file) throws Exception {
        int root = call("DOM.getDocument", JSON.createObjectNode())
                .path("root")
                .path("nodeId")
                .asInt();
        int node = call(
                        "DOM.querySelector",
                        JSON.createObjectNode().put("nodeId", root).put("selector", selector))
                .path("nodeId")
                .asInt();
        ObjectNode params = JSON.createObjectNode().put("nodeId", node);
        params.putArray("files").add(file.toString());
        call("DOM.setFileInputFiles", params);
    }

    @Override
    public void close() {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(text.toString());
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> reply =
                                replies.remove(message.get("id").asInt());
                        if (reply != null) {
                            reply.complete(message);
                        }
                    }
                } catch (Exception e) {
                    // an event we do not read
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
