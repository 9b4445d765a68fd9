package io.edgeward.coap;

import io.edgeward.coap.internal.CommandsResource;
import io.edgeward.core.command.CommandTransport;
import io.edgeward.core.device.DeviceId;
import java.util.concurrent.CompletableFuture;

/**
 * How commands reach devices over CoAP: as notifications to a device observing {@code /commands}.
 * Built before the command service (which sends through it) and attached to the server when the
 * server is built; until then, and for a device that observes nothing, it takes no command.
 */
public final class CoapCommandChannel implements CommandTransport {

    private volatile CommandsResource resource;

    void attach(CommandsResource resource) {
        this.resource = resource;
    }

    @Override
    public CompletableFuture<Boolean> send(DeviceId device, byte[] document) {
        CommandsResource target = resource;
        return CompletableFuture.completedFuture(target != null && target.send(device, document));
    }
}
