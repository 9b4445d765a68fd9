package io.edgeward.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Registration;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/devices}: register, list, get. */
public final class DeviceRoutes {

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    private final DeviceRegistry registry;
    private final ObjectMapper json;

    public DeviceRoutes(DeviceRegistry registry, ObjectMapper json) {
        this.registry = registry;
        this.json = json;
    }

    public void create(Context ctx) {
        CreateDeviceRequest request;
        try {
            request = json.readValue(ctx.bodyAsBytes(), CreateDeviceRequest.class);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid JSON body: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("unreadable body: " + e.getMessage());
        }
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
        Registration registration = registry.register(device);
        Map<String, Object> body = Views.device(registration.device());
        Map<String, Object> credentials = new LinkedHashMap<>();
        credentials.put("username", registration.username());
        credentials.put("password", registration.secret());
        credentials.put("client_id", registration.username());
        credentials.put("note", "The password is shown only now; Edgeward stores only its hash.");
        body.put("credentials", credentials);
        ctx.status(201).header("Location", "/api/v1/devices/" + registration.device().id()).json(body);
    }

    public void list(Context ctx) {
        String rawLimit = ctx.queryParam("limit");
        int limit = rawLimit == null ? DEFAULT_PAGE : Params.integer("limit", rawLimit, 1, MAX_PAGE);
        String cursor = ctx.queryParam("cursor");
        if (cursor != null && !DeviceId.isValid(cursor)) {
            throw ApiException.badRequest("cursor must be a next_cursor value returned by this endpoint");
        }
        List<Device> page = registry.list(limit + 1, cursor == null ? null : DeviceId.of(cursor));
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
