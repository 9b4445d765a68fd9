package io.edgeward.coap.internal;

import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowDocuments;
import io.edgeward.core.shadow.ShadowException;
import io.edgeward.core.shadow.ShadowListener;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.shadow.ShadowUpdate;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * {@code GET /shadow}: the device's shadow document, with its version as ETag. Observed, it
 * notifies whenever the delta changes (also when it becomes empty), so a device learns of a new desired state without polling;
 * the registration's first answer carries any delta it missed while away.
 */
public final class ShadowResource extends DeviceResource implements ShadowListener {

    private final ShadowService shadows;

    public ShadowResource(Callers callers, Executor executor, ShadowService shadows) {
        super("shadow", callers, executor);
        this.shadows = shadows;
        observable();
        describe("edgeward.shadow", "core.rp");
    }

    @Override
    void get(CoapExchange exchange, Caller caller) {
        try {
            Shadow shadow = shadows.get(caller.device().id());
            exchange.setETag(
                    ByteBuffer.allocate(Long.BYTES).putLong(shadow.version()).array());
            Replies.json(exchange, ResponseCode.CONTENT, ShadowDocuments.document(shadow, null));
        } catch (ShadowException e) {
            Replies.refuse(exchange, Replies.code(e.code()), e.getMessage());
        }
    }

    @Override
    public void updated(ShadowUpdate update) {
        // Unlike MQTT's update/delta, an observer also hears of a delta that became empty: its resource changed.
        boolean deltaMoved = !update.current().delta().equals(update.previous().delta());
        if (deltaMoved && getObserverCount() > 0) {
            DeviceId device = update.current().device();
            changed(relation ->
                    caller(relation).map(c -> c.device().id().equals(device)).orElse(false));
        }
    }
}
