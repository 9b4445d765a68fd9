package io.edgeward.coap.internal;

import io.edgeward.coap.internal.Callers.Caller;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.core.server.resources.ResourceAttributes;

/**
 * {@code GET /.well-known/core} (RFC 6690): the calling device's resources in CoRE Link Format,
 * its sensors included, with {@code rt}, {@code if}, {@code ct} and {@code obs}. Over plain CoAP
 * the links carry the caller's token prefix, so they can be followed as they are. Filters by query
 * ({@code ?rt=edgeward.sensor}, {@code ?if=core.s}, {@code ?href=/sensors*}; a trailing {@code *}
 * matches a prefix).
 */
public final class DiscoveryResource extends DeviceResource {

    private final Map<String, Resource> resources = new LinkedHashMap<>();
    private final SensorResource sensors;

    public DiscoveryResource(
            Callers callers, Executor executor, SensorResource sensors, Map<String, Resource> resources) {
        super("core", callers, executor);
        this.sensors = sensors;
        this.resources.putAll(resources);
    }

    @Override
    void get(CoapExchange exchange, Caller caller) {
        List<String> links = new ArrayList<>();
        resources.forEach((path, resource) -> links.add(link(caller.prefix() + path, resource.getAttributes())));
        for (String metric : sensors.metrics(caller.device().id())) {
            links.add(
                    link(caller.prefix() + "/sensors/" + caller.device().id() + "/" + metric, sensors.getAttributes()));
        }
        List<String> queries = exchange.getRequestOptions().getUriQuery();
        List<String> shown = links.stream()
                .filter(link -> queries.stream().allMatch(query -> matches(link, query)))
                .toList();
        exchange.respond(ResponseCode.CONTENT, String.join(",", shown), MediaTypeRegistry.APPLICATION_LINK_FORMAT);
    }

    private static String link(String href, ResourceAttributes attributes) {
        StringBuilder link = new StringBuilder("<").append(href).append('>');
        attributes
                .getResourceTypes()
                .forEach(rt -> link.append(";rt=\"").append(rt).append('"'));
        attributes
                .getInterfaceDescriptions()
                .forEach(ifd -> link.append(";if=\"").append(ifd).append('"'));
        List<String> types = attributes.getContentTypes();
        if (types.size() == 1) {
            link.append(";ct=").append(types.get(0));
        } else if (!types.isEmpty()) {
            link.append(";ct=\"").append(String.join(" ", types)).append('"');
        }
        if (attributes.hasObservable()) {
            link.append(";obs");
        }
        return link.toString();
    }

    /** RFC 6690 section 4.1 query filtering on one attribute. */
    private static boolean matches(String link, String query) {
        int equals = query.indexOf('=');
        if (equals < 1) {
            return true;
        }
        String name = query.substring(0, equals);
        String wanted = query.substring(equals + 1);
        boolean prefix = wanted.endsWith("*");
        String value = prefix ? wanted.substring(0, wanted.length() - 1) : wanted;
        List<String> values = new ArrayList<>();
        if (name.equals("href")) {
            values.add(link.substring(1, link.indexOf('>')));
        } else {
            for (String attribute : link.substring(link.indexOf('>') + 1).split(";")) {
                if (attribute.startsWith(name + "=")) {
                    for (String v : attribute
                            .substring(name.length() + 1)
                            .replace("\"", "")
                            .split(" ")) {
                        values.add(v);
                    }
                }
            }
        }
        return values.stream().anyMatch(v -> prefix ? v.startsWith(value) : v.equals(value));
    }
}
