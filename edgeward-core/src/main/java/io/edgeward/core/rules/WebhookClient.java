package io.edgeward.core.rules;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** POSTs a webhook's body (a port: the domain has no HTTP client; the server supplies one). */
@FunctionalInterface
public interface WebhookClient {

    /**
     * @return the response's status code
     * @throws IOException when no response came (refused, reset, timed out)
     */
    int post(String url, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, InterruptedException;
}
