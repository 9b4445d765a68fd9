package io.edgeward.core.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.shadow.Shadow;
import java.util.Iterator;
import java.util.Map;

/**
 * The conflict rule for a shadow edited on both sides of a sync link while apart, by the shadow's
 * own semantics: each top-level key of {@code desired} and {@code reported} carries the time it
 * was last written (its metadata), and the newer write wins, key by key. On a tie the cloud's
 * write wins, so both sides end equal whichever change arrives first.
 */
final class ShadowMerge {

    private ShadowMerge() {}

    /**
     * The request to apply locally: the incoming sections' keys that are newer than the local ones.
     *
     * @param incoming {@code {"state":{"desired"?,"reported"?},"metadata":{...}}} from the other side
     * @param fromCloud true at an edge (the cloud wins ties), false at the cloud
     * @return {@code {"state":{...}}}, or null when nothing is newer
     */
    static ObjectNode newer(Shadow local, JsonNode incoming, boolean fromCloud) {
        ObjectNode state = JsonNodeFactory.instance.objectNode();
        for (String section : new String[] {"desired", "reported"}) {
            JsonNode values = incoming.path("state").path(section);
            if (!values.isObject()) {
                continue;
            }
            JsonNode incomingMetadata = incoming.path("metadata").path(section);
            JsonNode localMetadata = section.equals("desired") ? local.desiredMetadata() : local.reportedMetadata();
            ObjectNode kept = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> fields = values.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                long theirs = newest(incomingMetadata.path(field.getKey()));
                long ours = newest(localMetadata.path(field.getKey()));
                if (theirs > ours || (theirs == ours && fromCloud)) {
                    kept.set(field.getKey(), field.getValue());
                }
            }
            if (!kept.isEmpty()) {
                state.set(section, kept);
            }
        }
        if (state.isEmpty()) {
            return null;
        }
        ObjectNode request = JsonNodeFactory.instance.objectNode();
        request.set("state", state);
        return request;
    }

    /** The newest {@code timestamp} under a key's metadata (nested objects have one per leaf); 0 when none. */
    static long newest(JsonNode metadata) {
        if (metadata == null || metadata.isMissingNode() || metadata.isNull()) {
            return 0;
        }
        long newest = metadata.path("timestamp").asLong(0);
        for (JsonNode child : metadata) {
            if (child.isObject() || child.isArray()) {
                newest = Math.max(newest, newest(child));
            }
        }
        return newest;
    }
}
