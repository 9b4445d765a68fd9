package io.edgeward.coap.internal;

import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.observability.RateLimitedLog;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resource that answers authenticated devices, on its own executor (virtual threads) when its
 * handlers read or write the store, since Californium's protocol threads must never wait for that.
 */
abstract class DeviceResource extends CoapResource {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceResource.class);
    private final RateLimitedLog failures = RateLimitedLog.perMinute();

    final Callers callers;
    private final Executor executor;

    /** @param executor where requests and notifications are handled; null for Californium's protocol threads */
    DeviceResource(String name, Callers callers, Executor executor) {
        super(name);
        this.callers = callers;
        this.executor = executor;
    }

    @Override
    public Executor getExecutor() {
        return executor;
    }

    /**
     * Every method, guarded: a failure of ours (the store is down) is answered 5.00 with a
     * diagnostic payload instead of leaving the device to time out, and logged once a minute.
     */
    @Override
    public void handleRequest(Exchange exchange) {
        try {
            super.handleRequest(exchange);
        } catch (RuntimeException e) {
            if (failures.allow(getName())) {
                LOG.error(
                        "CoAP {} {} failed (further failures of this resource are not logged for a minute)",
                        exchange.getRequest().getCode(),
                        getName(),
                        e);
            }
            if (exchange.getCurrentResponse() == null && !exchange.isComplete()) {
                Response failure = new Response(ResponseCode.INTERNAL_SERVER_ERROR);
                failure.setPayload("internal error: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                failure.getOptions().setContentFormat(MediaTypeRegistry.TEXT_PLAIN);
                exchange.sendResponse(failure);
            }
        }
    }

    @Override
    public final void handleGET(CoapExchange exchange) {
        caller(exchange).ifPresent(caller -> get(exchange, caller));
    }

    @Override
    public final void handlePOST(CoapExchange exchange) {
        caller(exchange).ifPresent(caller -> post(exchange, caller));
    }

    @Override
    public final void handlePUT(CoapExchange exchange) {
        caller(exchange).ifPresent(caller -> put(exchange, caller));
    }

    /** The methods a resource answers, for an authenticated caller; the others are 4.05. */
    void get(CoapExchange exchange, Caller caller) {
        exchange.respond(ResponseCode.METHOD_NOT_ALLOWED);
    }

    void post(CoapExchange exchange, Caller caller) {
        exchange.respond(ResponseCode.METHOD_NOT_ALLOWED);
    }

    void put(CoapExchange exchange, Caller caller) {
        exchange.respond(ResponseCode.METHOD_NOT_ALLOWED);
    }

    /** The caller; a refusal already answered when its credentials went away since the deliverer let it in. */
    private Optional<Caller> caller(CoapExchange exchange) {
        Optional<Caller> caller = callers.caller(exchange.advanced().getRequest());
        if (caller.isEmpty()) {
            Replies.refuse(exchange, ResponseCode.UNAUTHORIZED, "the device's credentials are no longer valid");
        }
        return caller;
    }

    Optional<Caller> caller(ObserveRelation relation) {
        return callers.caller(relation.getExchange().getRequest());
    }

    /** Whether the request's body is JSON (or of no stated format); a 4.15 already answered otherwise. */
    static boolean json(CoapExchange exchange, String body) {
        if (Replies.jsonOrUnset(exchange)) {
            return true;
        }
        Replies.refuse(exchange, ResponseCode.UNSUPPORTED_CONTENT_FORMAT, body + " is JSON (content-format 50)");
        return false;
    }

    /** Its RFC 6690 attributes: resource type, interface, JSON content. */
    void describe(String resourceType, String interfaceDescription) {
        getAttributes().addResourceType(resourceType);
        getAttributes().addInterfaceDescription(interfaceDescription);
        getAttributes().addContentType(MediaTypeRegistry.APPLICATION_JSON);
    }

    /** Observable with confirmable notifications: an observer that stops acknowledging is dropped. */
    void observable() {
        setObservable(true);
        setObserveType(org.eclipse.californium.core.coap.CoAP.Type.CON);
        getAttributes().setObservable();
    }
}
