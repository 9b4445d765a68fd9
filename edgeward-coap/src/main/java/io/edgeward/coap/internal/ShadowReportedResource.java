package io.edgeward.coap.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.ShadowDocuments;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowUpdate;
import java.io.IOException;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * {@code POST /shadow/reported}: merges the device's reported state. The body is either the
 * reported state itself ({@code {"firmware_version":"2.1"}}) or, for an update that must apply to
 * one version, the shadow update form restricted to reported:
 * {@code {"state":{"reported":{…}},"version":7,"clientToken":"…"}}. Answers 2.04 with what AWS
 * IoT answers on update/accepted; a stale version gets 4.09 with the current version.
 */
public final class ShadowReportedResource extends DeviceResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ShadowService shadows;

    public ShadowReportedResource(Callers callers, Executor executor, ShadowService shadows) {
        super("reported", callers, executor);
        this.shadows = shadows;
        describe("edgeward.shadow.reported", "core.p");
    }

    @Override
    void post(CoapExchange exchange, Caller caller) {
        if (!json(exchange, "the reported state")) {
            return;
        }
        byte[] payload = exchange.getRequestPayload();
        try {
            ShadowUpdate update = shadows.update(caller.device().id(), request(payload), ChangedBy.DEVICE);
            Replies.json(exchange, ResponseCode.CHANGED, update.accepted());
        } catch (ShadowException e) {
            Replies.json(
                    exchange,
                    Replies.code(e.code()),
                    ShadowDocuments.error(e, ShadowDocuments.clientTokenOf(payload), System.currentTimeMillis()));
        }
    }

    /** The update request for the body. A JSON value that is no object goes to the service as is, to be refused and counted there. */
    private JsonNode request(byte[] payload) {
        JsonNode body;
        try {
            body = JSON.readTree(payload);
        } catch (IOException e) {
            throw invalid(
                    "invalid JSON: expected the reported state as an object, or {\"state\":{\"reported\":{...}}}");
        }
        if (body == null) {
            throw invalid("the request is empty; expected the reported state as a JSON object");
        }
        if (!(body instanceof ObjectNode object)) {
            return body;
        }
        if (object.has("state")) {
            JsonNode state = object.get("state");
            if (state instanceof ObjectNode sections && sections.has("desired")) {
                throw invalid(
                        "a device reports here; desired state is written with the shadow update (MQTT) or by an operator");
            }
            return object;
        }
        return ShadowDocuments.reportedRequest(object);
    }

    private ShadowException invalid(String message) {
        ShadowException e = ShadowException.invalid(message);
        shadows.countRejection(e);
        return e;
    }
}
