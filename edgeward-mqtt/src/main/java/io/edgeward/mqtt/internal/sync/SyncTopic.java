package io.edgeward.mqtt.internal.sync;

import io.edgeward.core.sync.Priority;

/** {@code edge/{edgeId}/sync/{stream}}: where an edge publishes its outbox's frames. */
public record SyncTopic(String edge, Priority stream) {

    public static SyncTopic parse(String topic) {
        if (!topic.startsWith("edge/")) {
            return null;
        }
        int idEnd = topic.indexOf('/', 5);
        if (idEnd < 0 || !topic.startsWith("/sync/", idEnd)) {
            return null;
        }
        try {
            Priority stream = Priority.fromWire(topic.substring(idEnd + 6));
            return stream == Priority.NONE ? null : new SyncTopic(topic.substring(5, idEnd), stream);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
