package io.edgeward.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DevicePatch;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Registration;
import io.edgeward.core.sync.EdgeRelay;
import io.edgeward.core.sync.Sync;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/devices}: register, list with filters, get, change, delete, rotate credentials. */
public final class DeviceRoutes {

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    private final DeviceRegistry registry;
    private final ObjectMapper json;
    private final Sync sync;

    public DeviceRoutes(DeviceRegistry registry, ObjectMapper json, Sync sync) {
        this.registry = registry;
        this.json = json;
        this.sync = sync;
    }

    public void create(Context ctx) {
        CreateDeviceRequest request = Bodies.read(json, ctx, CreateDeviceRequest.class);
        if (request == null || request.deviceId() == null) {
            throw ApiException.badRequest("device_id is required");
        }
        NewDevice device = new NewDevice(
                DeviceId.of(request.deviceId()),
                request.name(),
                request.type() == null ? DeviceType.SENSOR : DeviceType.fromWire(request.type()),
                request.model(),
                request.firmwareVersion(),
                request.location(),
                request.metadata(),
                request.tags());
        Registration registration;
        if (request.edge() == null) {
            registration = registry.register(device);
        } else {
            // A device behind an edge this node receives: attached to it, its credential sent down.
            EdgeRelay relay = sync.relay()
                    .orElseThrow(() -> ApiException.badRequest(
                            "edge is set, but this node receives no edges (sync.role is not cloud)"));
            registration = relay.registerFor(request.edge(), device);
        }
        ctx.status(201)
                .header("Location", "/api/v1/devices/" + registration.device().id())
                .json(withCredentials(registration));
    }

    /** {@code POST /api/v1/devices/{id}/rotate-credentials}: a new secret; the old one and its connections end now. */
    public void rotate(Context ctx) {
        ctx.json(withCredentials(registry.rotateCredentials(ctx.pathParam("id"))));
    }

    @SuppressWarnings("unchecked")
    public void update(Context ctx) {
        Map<String, Object> patch = Bodies.read(json, ctx, Map.class);
        ctx.json(Views.device(registry.update(ctx.pathParam("id"), DevicePatch.of(patch))));
    }

    public void delete(Context ctx) {
        registry.delete(ctx.pathParam("id"));
        ctx.status(204);
    }

    private static Map<String, Object> withCredentials(Registration registration) {
        Map<String, Object> body = Views.device(registration.device());
        Map<String, Object> credentials = new LinkedHashMap<>();
        credentials.put("username", registration.username());
        credentials.put("password", registration.secret());
        credentials.put("client_id", registration.username());
        credentials.put("coap_psk_identity", registration.username());
        credentials.put("coap_psk", registration.coapPsk());
        credentials.put(
                "note",
                "The password is shown only now; Edgeward stores only its hash. The password is also the CoAP access "
                        + "token (coap://host/api/v1/{password}/...); coap_psk is the DTLS pre-shared key for coaps:// with identity = device id.");
        body.put("credentials", credentials);
        return body;
    }

    public void list(Context ctx) {
        String rawLimit = ctx.queryParam("limit");
        int limit = rawLimit == null ? DEFAULT_PAGE : Params.integer("limit", rawLimit, 1, MAX_PAGE);
        String cursor = ctx.queryParam("cursor");
        if (cursor != null && !DeviceId.isValid(cursor)) {
            throw ApiException.badRequest("cursor must be a next_cursor value returned by this endpoint");
        }
        DeviceFilter filter = new DeviceFilter(
                ctx.queryParam("type") == null ? null : DeviceType.fromWire(ctx.queryParam("type")),
                ctx.queryParam("status") == null ? null : DeviceStatus.fromWire(ctx.queryParam("status")),
                ctx.queryParam("tag"),
                ctx.queryParam("model"),
                ctx.queryParam("q"),
                ctx.queryParam("edge"));
        List<Device> page = registry.list(filter, limit + 1, cursor == null ? null : DeviceId.of(cursor));
        boolean more = page.size() > limit;
        List<Device> items = more ? page.subList(0, limit) : page;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items.stream().map(Views::device).toList());
        body.put("next_cursor", more ? items.get(items.size() - 1).id().value() : null);
        ctx.json(body);
    }

    public void get(Context ctx) {
        ctx.json(Views.device(registry.get(ctx.pathParam("id"))));
    }
}
