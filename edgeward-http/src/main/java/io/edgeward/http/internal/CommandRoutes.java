package io.edgeward.http.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.NewCommand;
import io.edgeward.core.device.DeviceId;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/devices/{id}/commands}: send a command (202 + Location, or with {@code ?wait=true}
 * the outcome), read one, list a device's commands.
 */
public final class CommandRoutes {

    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 500;

    private final CommandService commands;
    private final ObjectMapper json;

    public CommandRoutes(CommandService commands, ObjectMapper json) {
        this.commands = commands;
        this.json = json;
    }

    record Request(
            @JsonProperty("type") String type,
            @JsonProperty("parameters") Map<String, Object> parameters,
            @JsonProperty("timeout") String timeout,
            @JsonProperty("ttl") String ttl,
            @JsonProperty("idempotency_key") String idempotencyKey) {}

    public void create(Context ctx) throws InterruptedException {
        DeviceId device = Params.device(ctx);
        Request request = Bodies.read(json, ctx, Request.class);
        Duration timeout = request.timeout() == null ? null : Params.duration("timeout", request.timeout());
        Duration ttl = request.ttl() == null ? null : Params.duration("ttl", request.ttl());
        Command command = commands.submit(
                device, new NewCommand(request.type(), request.parameters(), timeout, ttl, request.idempotencyKey()));
        String location = "/api/v1/devices/" + device + "/commands/" + command.id();
        ctx.header("Location", location);
        if ("true".equals(ctx.queryParam("wait"))) {
            command = commands.await(device, command.id(), command.timeout());
            ctx.status(command.status().isTerminal() ? 200 : 202).json(view(command));
            return;
        }
        ctx.status(202).json(view(command));
    }

    public void get(Context ctx) {
        ctx.json(view(commands.get(Params.device(ctx), ctx.pathParam("command_id"))));
    }

    public void list(Context ctx) {
        String rawLimit = ctx.queryParam("limit");
        int limit = rawLimit == null ? DEFAULT_PAGE : Params.integer("limit", rawLimit, 1, MAX_PAGE);
        String cursor = ctx.queryParam("cursor");
        if (cursor != null && cursor.length() > 64) {
            throw ApiException.badRequest("cursor must be a next_cursor value returned by this endpoint");
        }
        List<Command> page = commands.list(Params.device(ctx), limit + 1, cursor);
        boolean more = page.size() > limit;
        List<Command> items = more ? page.subList(0, limit) : page;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items.stream().map(CommandRoutes::view).toList());
        body.put("next_cursor", more ? items.get(items.size() - 1).id() : null);
        ctx.json(body);
    }

    static Map<String, Object> view(Command command) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("command_id", command.id());
        view.put("device_id", command.device().value());
        view.put("type", command.type());
        view.put("parameters", command.parameters());
        view.put("status", command.status().wireName());
        view.put("message", command.message());
        view.put("idempotency_key", command.idempotencyKey());
        view.put("timeout_ms", command.timeout().toMillis());
        view.put("created_at", Views.iso(command.createdAt()));
        view.put("expires_at", Views.iso(command.expiresAt()));
        view.put("sent_at", Views.iso(command.sentAt()));
        view.put("delivered_at", Views.iso(command.deliveredAt()));
        view.put("completed_at", Views.iso(command.completedAt()));
        return view;
    }
}
