package io.edgeward.server.rules;

import io.edgeward.core.rules.WebhookClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Rules' webhooks over the JDK's HTTP client (HTTP/1.1 and 2, TLS with the JDK's trust store). */
public final class JdkWebhookClient implements WebhookClient {

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    @Override
    public int post(String url, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a URL: " + url, e);
        }
        headers.forEach(request::header);
        request.header("User-Agent", "edgeward-rules");
        HttpResponse<Void> response = client.send(
                request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding());
        return response.statusCode();
    }
}
