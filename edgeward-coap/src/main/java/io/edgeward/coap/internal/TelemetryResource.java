package io.edgeward.coap.internal;

import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.device.Presence;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.telemetry.Decoded;
import io.edgeward.core.telemetry.IngestResult;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.PipelineStoppedException;
import io.edgeward.core.telemetry.RejectReason;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.TelemetryPipeline;
import java.util.concurrent.CompletionException;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /telemetry}: the documents MQTT takes, in JSON (content-format 50, or none), CBOR
 * (60) or Protobuf (42, or 65000 from the experimental range, for {@code application/x-protobuf}).
 *
 * <p>A confirmable request is answered 2.04 only once its points are durably stored: the same
 * group commit and guarantee as an MQTT QoS 1 PUBACK. If Californium's deduplicator sees the
 * request again (same message id, from the same peer) it repeats this answer without storing the
 * points twice. A non-confirmable request is answered as soon as its points are queued.
 */
public final class TelemetryResource extends DeviceResource {

    /** {@code application/x-protobuf} has no registered CoAP number; this one is from the experimental-use range. */
    public static final int PROTOBUF = 65000;

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryResource.class);
    private final RateLimitedLog failures = RateLimitedLog.perMinute();

    private final TelemetryPipeline pipeline;
    private final Presence presence;

    /**
     * Handled on Californium's protocol threads, unlike the other resources: nothing here waits
     * (decoding is CPU work, the pipeline queues or parks its own virtual thread, the answer comes
     * from the commit's completion), and a hand-off per request would only cost on the ingest path.
     */
    public TelemetryResource(Callers callers, TelemetryPipeline pipeline, Presence presence) {
        super("telemetry", callers, null);
        this.pipeline = pipeline;
        this.presence = presence;
        describe("edgeward.telemetry", "core.p");
        getAttributes().addContentType(MediaTypeRegistry.APPLICATION_CBOR);
        getAttributes().addContentType(PROTOBUF);
    }

    @Override
    void post(CoapExchange exchange, Caller caller) {
        long arrivalMillis = System.currentTimeMillis();
        long arrivalNanos = System.nanoTime();
        PayloadFormat format = format(exchange.getRequestOptions().getContentFormat());
        if (format == null) {
            Replies.refuse(
                    exchange,
                    ResponseCode.UNSUPPORTED_CONTENT_FORMAT,
                    "content-format " + exchange.getRequestOptions().getContentFormat()
                            + " is not taken here: use 50 (JSON), 60 (CBOR) or 65000 (Protobuf)");
            return;
        }
        ingest(exchange, caller, exchange.getRequestPayload(), format, arrivalMillis, arrivalNanos);
    }

    /** Decodes, stores and answers: 2.04 once durable (confirmable) or queued (non-confirmable). Also for a sensor's PUT. */
    void ingest(
            CoapExchange exchange,
            Caller caller,
            byte[] payload,
            PayloadFormat format,
            long arrivalMillis,
            long arrivalNanos) {
        presence.seen(caller.device().id());
        TelemetryMessage message = new TelemetryMessage(
                caller.device().id(), caller.device().type(), payload, format, arrivalMillis, arrivalNanos);
        Decoded decoded = pipeline.decode(message);
        if (decoded.points().isEmpty()) {
            answer(exchange, new IngestResult(0, decoded.rejections()));
            return;
        }
        var stored = pipeline.store(message, decoded);
        if (!exchange.advanced().getRequest().isConfirmable()) {
            // Best effort, as agreed by sending it non-confirmable: answered once queued.
            answer(exchange, new IngestResult(decoded.points().size(), decoded.rejections()));
            stored.exceptionally(error -> {
                failed(caller, error);
                return null;
            });
            return;
        }
        stored.whenComplete((result, error) -> {
            if (error == null) {
                answer(exchange, result);
            } else if (unwrap(error) instanceof PipelineStoppedException) {
                Replies.refuse(
                        exchange,
                        ResponseCode.SERVICE_UNAVAILABLE,
                        "the node is shutting down; nothing was stored, resend");
            } else {
                failed(caller, error);
                Replies.refuse(
                        exchange,
                        ResponseCode.INTERNAL_SERVER_ERROR,
                        "the store could not commit: nothing was stored, resend");
            }
        });
    }

    private static void answer(CoapExchange exchange, IngestResult result) {
        if (result.fullyAccepted()) {
            exchange.respond(ResponseCode.CHANGED);
        } else {
            Replies.refuse(
                    exchange,
                    result.primaryReason() == RejectReason.TOO_LARGE
                            ? ResponseCode.REQUEST_ENTITY_TOO_LARGE
                            : ResponseCode.BAD_REQUEST,
                    result.summary());
        }
    }

    private static PayloadFormat format(int contentFormat) {
        return switch (contentFormat) {
            case MediaTypeRegistry.UNDEFINED, MediaTypeRegistry.APPLICATION_JSON, MediaTypeRegistry.TEXT_PLAIN ->
                PayloadFormat.JSON;
            case MediaTypeRegistry.APPLICATION_CBOR -> PayloadFormat.CBOR;
            case MediaTypeRegistry.APPLICATION_OCTET_STREAM, PROTOBUF -> PayloadFormat.PROTOBUF;
            default -> null;
        };
    }

    private void failed(Caller caller, Throwable error) {
        if (failures.allow("commit")) {
            LOG.warn(
                    "CoAP telemetry of '{}' was not stored: {}",
                    caller.device().id(),
                    unwrap(error).toString());
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
