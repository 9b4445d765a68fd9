package io.edgeward.core.command;

import io.edgeward.core.device.DeviceId;
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
}
