package io.edgeward.core.command;

import io.edgeward.core.device.DeviceId;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Port: how a command document reaches a device. */
public interface CommandTransport {

    /**
     * Hands the document to the device's session.
     *
     * @return true when the device's session took it (it is subscribed); false when it cannot
     *     take commands now, and the command stays queued
     */
    CompletableFuture<Boolean> send(DeviceId device, byte[] document);

    /**
     * The transports in order, each asked only when the ones before it could not take the
     * command: a device reachable over MQTT gets it there, one observing over CoAP there.
     */
    static CommandTransport firstOf(CommandTransport... transports) {
        return firstOf(List.of(transports));
    }

    /** As {@link #firstOf(CommandTransport...)}, over the list as it stands at each send. */
    static CommandTransport firstOf(List<CommandTransport> chain) {
        return (device, document) -> {
            CompletableFuture<Boolean> taken = CompletableFuture.completedFuture(false);
            for (CommandTransport transport : chain) {
                taken = taken.thenCompose(
                        done -> done ? CompletableFuture.completedFuture(true) : transport.send(device, document));
            }
            return taken;
        };
    }
}
