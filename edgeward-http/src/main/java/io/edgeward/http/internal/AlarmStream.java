package io.edgeward.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.rules.Alarm;
import io.javalin.http.sse.SseClient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/v1/alarms/events}: every alarm raised, updated, acknowledged or cleared, as
 * server-sent events ({@code event: alarm}, the alarm's JSON as data), for local applications and
 * dashboards that would rather be told than poll.
 */
public final class AlarmStream {

    private final ObjectMapper json;
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();

    public AlarmStream(ObjectMapper json) {
        this.json = json;
    }

    public void connect(SseClient client) {
        clients.add(client);
        client.onClose(() -> clients.remove(client));
        client.sendComment("connected");
        client.keepAlive();
    }

    /** An alarm changed: to every connected client; a client gone is dropped. */
    public void changed(Alarm alarm) {
        if (clients.isEmpty()) {
            return;
        }
        String data;
        try {
            data = json.writeValueAsString(AlarmRoutes.view(alarm));
        } catch (JsonProcessingException e) {
            return;
        }
        for (SseClient client : clients) {
            if (client.terminated()) {
                clients.remove(client);
            } else {
                client.sendEvent("alarm", data, alarm.id());
            }
        }
    }

    public int clients() {
        return clients.size();
    }
}
