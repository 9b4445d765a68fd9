package io.edgeward.coap.internal;

import io.edgeward.coap.internal.CoapMetrics.AuthFailure;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.FailedAuthentications;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;

/**
 * Who sent a request. Over DTLS, the PSK identity the handshake proved; over plain CoAP, the
 * access token in {@code /api/v1/{token}/...} (the device's secret), when the operator allows it.
 * The rest of the path, below the token, is what the resources see.
 *
 * <p>Answers are cached for a short while, so a device posting telemetry many times a second
 * costs no database read per request; revoking a device's credentials drops its entries at once.
 * An unknown token costs a hash and a lookup in the registry's in-memory credential index, so it
 * needs no cache of its own.
 */
public final class Callers {

    private static final List<String> TOKEN_PREFIX = List.of("api", "v1");
    private static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MAX_ENTRIES = 100_000;

    private final DeviceRegistry registry;
    private final boolean plainTokenAuth;
    private final CoapMetrics metrics;
    private final Map<String, Cached> byToken = new ConcurrentHashMap<>();
    private final Map<DeviceId, Cached> byIdentity = new ConcurrentHashMap<>();
    private final FailedAuthentications failures;

    public Callers(DeviceRegistry registry, boolean plainTokenAuth, CoapMetrics metrics) {
        this.registry = registry;
        this.plainTokenAuth = plainTokenAuth;
        this.metrics = metrics;
        this.failures = new FailedAuthentications("coap", metrics.registry());
    }

    /** Who sent a request, or why it is refused. */
    public sealed interface Identified permits Caller, Refusal {}

    /** An authenticated request: the device and the path below its token (or the whole path over DTLS). */
    public record Caller(Device device, List<String> path, String token) implements Identified {
        /** The path prefix a link for this caller needs: {@code /api/v1/{token}} on plain CoAP, nothing over DTLS. */
        String prefix() {
            return token == null ? "" : "/api/v1/" + token;
        }
    }

    /** Why a request was refused, as the CoAP answer. */
    public record Refusal(ResponseCode code, String message) implements Identified {}

    /** The caller, or the refusal to answer with. Counts refusals. */
    public Identified identify(Request request) {
        Principal principal = request.getSourceContext().getPeerIdentity();
        List<String> path = request.getOptions().getUriPath();
        if (principal instanceof PreSharedKeyIdentity psk) {
            Optional<Device> device = byIdentity(psk.getIdentity());
            if (device.isEmpty()) {
                metrics.authFailed(AuthFailure.UNKNOWN_PSK_IDENTITY);
                return new Refusal(
                        ResponseCode.UNAUTHORIZED, "the device of this DTLS session is no longer registered");
            }
            return new Caller(device.get(), path, null);
        }
        if (!plainTokenAuth) {
            metrics.authFailed(AuthFailure.PLAIN_DISABLED);
            return new Refusal(
                    ResponseCode.UNAUTHORIZED,
                    "plain CoAP is disabled on this node: use coaps:// with the device's PSK (coap.plain-token-auth enables tokens)");
        }
        if (path.size() < 3 || !path.subList(0, 2).equals(TOKEN_PREFIX)) {
            metrics.authFailed(AuthFailure.NO_CREDENTIALS);
            return new Refusal(
                    ResponseCode.UNAUTHORIZED,
                    "plain CoAP requests carry the device's access token: coap://host/api/v1/{token}/telemetry");
        }
        String token = path.get(2);
        Optional<Device> device = byToken(token);
        if (device.isEmpty()) {
            metrics.authFailed(AuthFailure.UNKNOWN_TOKEN);
            // A flood of made-up tokens from one address gets 4.29 (RFC 8516); the right token is never refused.
            Duration delay = failures.failed(
                    request.getSourceContext().getPeerAddress().getAddress().getHostAddress(), null);
            if (!delay.isZero()) {
                return new Refusal(
                        ResponseCode.TOO_MANY_REQUESTS,
                        "too many unknown access tokens from this address: wait " + Math.max(1, delay.toSeconds())
                                + " s before the next attempt");
            }
            return new Refusal(ResponseCode.UNAUTHORIZED, "unknown access token");
        }
        return new Caller(device.get(), path.subList(3, path.size()), token);
    }

    /** The caller of a request already admitted by the deliverer (a resource's handler, a notification). */
    public Optional<Caller> caller(Request request) {
        return identify(request) instanceof Caller caller ? Optional.of(caller) : Optional.empty();
    }

    /** Forgets what is cached of the device: its credentials changed or it was deleted. */
    public void forget(DeviceId id) {
        byIdentity.remove(id);
        byToken.values().removeIf(cached -> cached.device.id().equals(id));
    }

    private Optional<Device> byIdentity(String identity) {
        if (!DeviceId.isValid(identity)) {
            return Optional.empty();
        }
        DeviceId id = DeviceId.of(identity);
        Cached cached = byIdentity.get(id);
        if (cached != null && cached.fresh()) {
            return Optional.of(cached.device);
        }
        Optional<Device> device = registry.find(id);
        device.ifPresent(d -> put(byIdentity, id, d));
        return device;
    }

    private Optional<Device> byToken(String token) {
        Cached cached = byToken.get(token);
        if (cached != null && cached.fresh()) {
            return Optional.of(cached.device);
        }
        Optional<Device> device = registry.authenticateToken(token);
        device.ifPresent(d -> put(byToken, token, d));
        return device;
    }

    private static <K> void put(Map<K, Cached> cache, K key, Device device) {
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear(); // a crude bound; entries come back from the store on the next request
        }
        cache.put(key, new Cached(device, System.nanoTime() + TTL_NANOS));
    }

    private record Cached(Device device, long expiresAtNanos) {
        boolean fresh() {
            return System.nanoTime() - expiresAtNanos < 0;
        }
    }
}
