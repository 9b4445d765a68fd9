package io.edgeward.coap.internal;

import io.edgeward.coap.internal.CoapMetrics.AuthFailure;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.crypto.SecretKey;
import org.eclipse.californium.scandium.DtlsHealth;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.PskSecretResult;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * DTLS pre-shared keys from the device registry: identity = device id, key = the device's
 * {@code coap_psk} (issued with its credentials, changed with them). An unknown identity gets no
 * key, and the handshake fails with an alert, as for a wrong key. Answered synchronously on
 * Scandium's handshake threads, never on a receiving thread.
 */
public final class DevicePskStore implements AdvancedPskStore, DtlsHealth {

    private final DeviceRegistry registry;
    private final CoapMetrics metrics;

    public DevicePskStore(DeviceRegistry registry, CoapMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public boolean hasEcdhePskSupported() {
        return true;
    }

    @Override
    public PskSecretResult requestPskSecretResult(
            ConnectionId cid,
            ServerNames serverName,
            PskPublicInformation identity,
            String hmacAlgorithm,
            SecretKey otherSecret,
            byte[] seed,
            boolean useExtendedMasterSecret) {
        String id = identity.getPublicInfoAsString();
        Optional<String> psk = DeviceId.isValid(id) ? registry.preSharedKey(DeviceId.of(id)) : Optional.empty();
        if (psk.isEmpty()) {
            metrics.authFailed(AuthFailure.UNKNOWN_PSK_IDENTITY);
            return new PskSecretResult(cid, identity, null);
        }
        SecretKey key = SecretUtil.create(psk.get().getBytes(StandardCharsets.US_ASCII), "PSK");
        return new PskSecretResult(cid, identity, key);
    }

    @Override
    public PskPublicInformation getIdentity(InetSocketAddress peerAddress, ServerNames virtualHost) {
        return null; // a server never starts a handshake
    }

    @Override
    public void setResultHandler(HandshakeResultHandler resultHandler) {
        // Answers are synchronous.
    }

    // DtlsHealth: only the handshake outcomes are of interest, as metrics.

    @Override
    public void dump(String tag, int maxConnections, int remainingCapacity, int pendingWithoutVerify) {}

    @Override
    public boolean isEnabled() {
        return true;
    }

    @Override
    public void startHandshake() {}

    @Override
    public void endHandshake(boolean success) {
        if (success) {
            metrics.handshakeCompleted();
        } else {
            metrics.authFailed(AuthFailure.DTLS_HANDSHAKE_FAILED);
        }
    }

    @Override
    public void receivingRecord(boolean drop) {}

    @Override
    public void sendingRecord(boolean drop) {}
}
