package io.edgeward.coap.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.server.resources.CoapExchange;

/** Answers: JSON documents, and refusals with a diagnostic payload (RFC 7252, 5.5.2). */
final class Replies {

    private Replies() {}

    static void json(CoapExchange exchange, ResponseCode code, JsonNode body) {
        exchange.respond(code, body.toString().getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.APPLICATION_JSON);
    }

    static void refuse(CoapExchange exchange, ResponseCode code, String diagnostic) {
        exchange.respond(code, diagnostic, MediaTypeRegistry.TEXT_PLAIN);
    }

    /** The CoAP code for the HTTP-style status the domain's exceptions carry. */
    static ResponseCode code(int status) {
        return switch (status) {
            case 400 -> ResponseCode.BAD_REQUEST;
            case 401 -> ResponseCode.UNAUTHORIZED;
            case 403 -> ResponseCode.FORBIDDEN;
            case 404 -> ResponseCode.NOT_FOUND;
            case 409 -> ResponseCode.CONFLICT;
            case 412 -> ResponseCode.PRECONDITION_FAILED;
            case 413 -> ResponseCode.REQUEST_ENTITY_TOO_LARGE;
            case 415 -> ResponseCode.UNSUPPORTED_CONTENT_FORMAT;
            case 503 -> ResponseCode.SERVICE_UNAVAILABLE;
            default -> ResponseCode.INTERNAL_SERVER_ERROR;
        };
    }

    /** Whether the request's content-format is JSON (or absent, which devices often leave out). */
    static boolean jsonOrUnset(CoapExchange exchange) {
        int format = exchange.getRequestOptions().getContentFormat();
        return format == MediaTypeRegistry.UNDEFINED
                || format == MediaTypeRegistry.APPLICATION_JSON
                || format == MediaTypeRegistry.TEXT_PLAIN;
    }
}
