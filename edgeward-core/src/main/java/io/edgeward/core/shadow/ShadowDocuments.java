package io.edgeward.core.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.shadow.internal.JsonTrees;
import java.io.IOException;

/**
 * Every shadow document a transport sends, built here and nowhere else, in the shape AWS IoT
 * Device Shadow gives it (so that AWS's device SDKs read them unchanged): the full document
 * ({@code get}), accepted, documents, delta and the error document; and the one request form a
 * transport builds for a device ({@code {"state":{"reported":…}}}).
 */
public final class ShadowDocuments {

    /** Longest client token echoed back (AWS IoT allows 64 bytes). */
    static final int MAX_CLIENT_TOKEN = 64;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShadowDocuments() {}

    /** The full document, as {@code get/accepted} and the REST API return it: state with delta, metadata, version, timestamp. */
    public static ObjectNode document(Shadow shadow, String clientToken) {
        ObjectNode document = NODES.objectNode();
        ObjectNode state = document.putObject("state");
        state.set("desired", shadow.desired().deepCopy());
        state.set("reported", shadow.reported().deepCopy());
        state.set("delta", shadow.delta());
        ObjectNode metadata = document.putObject("metadata");
        metadata.set("desired", shadow.desiredMetadata().deepCopy());
        metadata.set("reported", shadow.reportedMetadata().deepCopy());
        document.put("version", shadow.version());
        document.put("timestamp", shadow.timestamp());
        return withClientToken(document, clientToken);
    }

    /**
     * The delta document, as AWS IoT sends it on {@code update/delta}: what desired asks that
     * reported does not hold yet, with the desired side's metadata, the version and timestamp.
     */
    public static ObjectNode delta(Shadow shadow, String clientToken) {
        ObjectNode document = NODES.objectNode();
        ObjectNode state = shadow.delta();
        document.set("state", state);
        document.set("metadata", JsonTrees.metadataFor(state, shadow.desiredMetadata()));
        document.put("version", shadow.version());
        document.put("timestamp", shadow.timestamp());
        return withClientToken(document, clientToken);
    }

    /** {@code update/documents}: the shadow before and after an accepted update. */
    public static ObjectNode documents(ShadowUpdate update) {
        ObjectNode documents = NODES.objectNode();
        documents.set("previous", stored(update.previous()));
        documents.set("current", stored(update.current()));
        documents.put("timestamp", update.current().timestamp());
        return withClientToken(documents, update.clientToken());
    }

    /**
     * What AWS IoT answers on {@code update/accepted}: the request's sections and their metadata
     * (a cleared desired as {@code null}), the new version and timestamp.
     */
    static ObjectNode accepted(
            ObjectNode desired, boolean clearDesired, ObjectNode reported, Shadow next, String clientToken) {
        ObjectNode accepted = NODES.objectNode();
        ObjectNode state = accepted.putObject("state");
        ObjectNode metadata = accepted.putObject("metadata");
        if (clearDesired) {
            state.putNull("desired");
        } else if (desired != null) {
            state.set("desired", desired);
            metadata.set("desired", JsonTrees.metadataFor(desired, next.desiredMetadata()));
        }
        if (reported != null) {
            state.set("reported", reported);
            metadata.set("reported", JsonTrees.metadataFor(reported, next.reportedMetadata()));
        }
        accepted.put("version", next.version());
        accepted.put("timestamp", next.timestamp());
        return withClientToken(accepted, clientToken);
    }

    /**
     * The error document of {@code …/rejected} (and of a refused CoAP request): code, message,
     * timestamp in seconds, the current version when a version conflict was the reason.
     */
    public static ObjectNode error(ShadowException refusal, String clientToken, long nowMillis) {
        ObjectNode body = NODES.objectNode();
        body.put("code", refusal.code());
        body.put("message", refusal.getMessage());
        body.put("timestamp", nowMillis / 1000);
        if (refusal.currentVersion() >= 0) {
            body.put("version", refusal.currentVersion());
        }
        return withClientToken(body, clientToken);
    }

    /** The update request that reports {@code reported}: {@code {"state":{"reported":…}}}. */
    public static ObjectNode reportedRequest(ObjectNode reported) {
        ObjectNode request = NODES.objectNode();
        request.putObject("state").set("reported", reported);
        return request;
    }

    /** The clientToken of a request that may be invalid, so that even a rejection can echo it; null when it has none. */
    public static String clientTokenOf(byte[] request) {
        try {
            JsonNode node = JSON.readTree(request);
            JsonNode token = node == null ? null : node.get("clientToken");
            return token != null && token.isTextual() && token.asText().length() <= MAX_CLIENT_TOKEN
                    ? token.asText()
                    : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code {"state":{desired,reported},"metadata":…,"version":N}}, the form of documents' previous and current. */
    private static ObjectNode stored(Shadow shadow) {
        ObjectNode node = NODES.objectNode();
        node.set("state", shadow.state());
        node.set("metadata", shadow.metadata());
        node.put("version", shadow.version());
        return node;
    }

    private static ObjectNode withClientToken(ObjectNode document, String clientToken) {
        if (clientToken != null) {
            document.put("clientToken", clientToken);
        }
        return document;
    }
}
