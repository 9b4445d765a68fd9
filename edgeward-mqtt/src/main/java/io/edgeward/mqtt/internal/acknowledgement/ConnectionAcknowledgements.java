package io.edgeward.mqtt.internal.acknowledgement;

import com.hivemq.extension.sdk.api.client.parameter.ConnectionInformation;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acknowledgements of one connection that wait for a store: telemetry for its group commit,
 * shadow updates for theirs. Owns the connection's {@link AcknowledgementGate}; whatever fails to
 * be stored closes the connection instead of being acknowledged, so that the client resends.
 */
public final class ConnectionAcknowledgements {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAcknowledgements.class);

    private final String clientId;
    private final ClientService clients;
    private final Duration storeTimeout;
    private final AcknowledgementGate gate;

    public ConnectionAcknowledgements(
            String clientId, ClientService clients, Duration storeTimeout, AcknowledgementDrains drains) {
        this.clientId = clientId;
        this.clients = clients;
        this.storeTimeout = storeTimeout;
        this.gate = new AcknowledgementGate(drains, error -> notStored(error, () -> {}));
    }

    /** Fails start-up, rather than the first connection, when HiveMQ's internals are not what the gate expects. */
    public static void verifyBrokerInternals() {
        AcknowledgementGate.verifyBrokerInternals();
    }

    /** Puts the gate into the connection's pipeline; throws when the broker's internals do not allow it. */
    public void install(ConnectionInformation connection) {
        gate.install(connection);
    }

    /**
     * Holds the acknowledgement of the PUBLISH with {@code packetId} until {@code stored}
     * completes. The caller bounds the wait itself (the telemetry pipeline fails its futures after
     * its commit timeout).
     */
    public void holdUntilStored(int packetId, CompletableFuture<?> stored) {
        gate.hold(packetId, stored);
    }

    /** As {@link #holdUntilStored}, failing after {@code mqtt.store-timeout}: for work that has no bound of its own. */
    public void hold(int packetId, CompletableFuture<?> done) {
        gate.hold(packetId, done.orTimeout(storeTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    public Duration storeTimeout() {
        return storeTimeout;
    }

    /** Closes the connection because something it sent was not stored; {@code resume} runs once it is closed. */
    public void notStored(Throwable error, Runnable resume) {
        LOG.warn(
                "A message from client '{}' was not stored ({}); disconnecting it so that it resends",
                clientId,
                error.getMessage());
        // Resume only once the connection is closed, so that no acknowledgement can leave.
        clients.disconnectClient(
                        clientId,
                        false,
                        DisconnectReasonCode.UNSPECIFIED_ERROR,
                        "the message could not be stored; reconnect and resend")
                .whenComplete((done, failure) -> resume.run());
    }
}
