package io.edgeward.coap.internal;

import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.coap.internal.Callers.Refusal;
import java.util.List;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.server.DelivererException;
import org.eclipse.californium.core.server.ServerMessageDeliverer;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;

/**
 * Finds the resource of a request after authenticating it: over plain CoAP the path starts with
 * {@code /api/v1/{token}}, over DTLS it does not, and below that both are the same tree. An
 * unauthenticated request is answered 4.01 here and reaches no resource; an unknown path 4.04.
 *
 * <pre>
 *   /telemetry                      POST
 *   /shadow                         GET, observable
 *   /shadow/reported                POST
 *   /commands                       GET, observable
 *   /commands/{command_id}/response POST
 *   /sensors/{device_id}/{metric}   GET, observable
 *   /firmware                       GET
 *   /firmware/image                 GET, block-wise
 *   /firmware/progress              POST
 *   /.well-known/core               GET
 * </pre>
 */
public final class Routes extends ServerMessageDeliverer {

    private final Callers callers;
    private final Resources resources;

    /** The resources a path can reach. */
    public record Resources(
            TelemetryResource telemetry,
            ShadowResource shadow,
            ShadowReportedResource reported,
            CommandsResource commands,
            CommandResponseResource response,
            SensorResource sensors,
            DiscoveryResource discovery,
            FirmwareResource firmware) {}

    public Routes(Resource root, Configuration config, Callers callers, Resources resources) {
        super(root, config);
        this.callers = callers;
        this.resources = resources;
    }

    @Override
    protected Resource findResource(Exchange exchange) throws DelivererException {
        Callers.Identified identified;
        try {
            identified = callers.identify(exchange.getRequest());
        } catch (RuntimeException e) {
            // The store could not answer (it is down, or shutting down): say so instead of resetting the exchange.
            throw new DelivererException(
                    ResponseCode.INTERNAL_SERVER_ERROR, "the device registry is unavailable: " + e.getMessage(), true);
        }
        List<String> path = switch (identified) {
            case Refusal refusal -> throw new DelivererException(refusal.code(), refusal.message());
            case Caller caller -> caller.path();
        };
        return switch (path.size()) {
            case 1 ->
                switch (path.get(0)) {
                    case "telemetry" -> resources.telemetry();
                    case "shadow" -> resources.shadow();
                    case "commands" -> resources.commands();
                    case "firmware" -> resources.firmware();
                    default -> null;
                };
            case 2 ->
                path.equals(List.of(".well-known", "core"))
                        ? resources.discovery()
                        : path.equals(List.of("shadow", "reported"))
                                ? resources.reported()
                                : path.equals(List.of("firmware", "image"))
                                        ? resources.firmware().image()
                                        : path.equals(List.of("firmware", "progress"))
                                                ? resources.firmware().progress()
                                                : null;
            case 3 ->
                path.get(0).equals("commands") && path.get(2).equals("response")
                        ? resources.response()
                        : path.get(0).equals("sensors") ? resources.sensors() : null;
            default -> null;
        };
    }
}
