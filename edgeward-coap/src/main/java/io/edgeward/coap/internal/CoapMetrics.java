package io.edgeward.coap.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;

/**
 * CoAP's counters. Every response the server sends is counted by code, whoever produced it
 * (a resource, the deliverer's 4.01/4.04, Californium's own 4.13 for an oversized block-wise
 * body); observe notifications are counted apart, so that requests_total counts answers to requests.
 */
public final class CoapMetrics extends MessageInterceptorAdapter {

    /** Why a CoAP request or handshake was not authenticated. */
    public enum AuthFailure {
        NO_CREDENTIALS("no_credentials"),
        UNKNOWN_TOKEN("unknown_token"),
        PLAIN_DISABLED("plain_disabled"),
        UNKNOWN_PSK_IDENTITY("unknown_psk_identity"),
        DTLS_HANDSHAKE_FAILED("dtls_handshake_failed");

        final String label;

        AuthFailure(String label) {
            this.label = label;
        }
    }

    private final MeterRegistry meters;
    private final Map<ResponseCode, Counter> responses = new ConcurrentHashMap<>();
    private final Map<AuthFailure, Counter> authFailures = new ConcurrentHashMap<>();
    private final Counter notifications;
    private final Counter handshakes;

    public CoapMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.notifications = Counter.builder("iot.coap.notifications")
                .description("Observe notifications sent (RFC 7641), registrations' first answers included")
                .register(meters);
        this.handshakes = Counter.builder("edgeward.coap.dtls.handshakes")
                .description("DTLS handshakes completed")
                .register(meters);
        for (AuthFailure failure : AuthFailure.values()) {
            authFailures.put(
                    failure,
                    Counter.builder("edgeward.coap.auth.failures")
                            .description("CoAP requests and DTLS handshakes refused for their credentials, by reason")
                            .tag("reason", failure.label)
                            .register(meters));
        }
        // The codes a device meets most, present from the start so that dashboards see zeros.
        for (ResponseCode code : new ResponseCode[] {
            ResponseCode.CHANGED,
            ResponseCode.CONTENT,
            ResponseCode.BAD_REQUEST,
            ResponseCode.UNAUTHORIZED,
            ResponseCode.NOT_FOUND,
            ResponseCode.REQUEST_ENTITY_TOO_LARGE,
            ResponseCode.UNSUPPORTED_CONTENT_FORMAT,
            ResponseCode.INTERNAL_SERVER_ERROR
        }) {
            responseCounter(code);
        }
    }

    /** A datagram not handed to Californium: too_large (answered 4.13 or reset), source_rate or overload (dropped). */
    void datagramDropped(String reason) {
        Counter.builder("edgeward.coap.datagrams.dropped")
                .description(
                        "CoAP datagrams not processed: too_large (answered 4.13 or reset from the header), source_rate (over 1,000/s from one address and port), overload (dropped while the protocol stage is full)")
                .tag("reason", reason)
                .register(meters)
                .increment();
    }

    /** The registry, for the parts of the server that register their own meters. */
    MeterRegistry registry() {
        return meters;
    }

    public void authFailed(AuthFailure failure) {
        authFailures.get(failure).increment();
    }

    void handshakeCompleted() {
        handshakes.increment();
    }

    @Override
    public void sendResponse(Response response) {
        if (response.getOptions().hasObserve()) {
            notifications.increment();
        } else {
            responseCounter(response.getCode()).increment();
        }
    }

    private Counter responseCounter(ResponseCode code) {
        return responses.computeIfAbsent(
                code,
                c -> Counter.builder("iot.coap.requests")
                        .description("CoAP requests answered, by response code (2.04, 4.00, ...)")
                        .tag("code", c.text)
                        .register(meters));
    }
}
