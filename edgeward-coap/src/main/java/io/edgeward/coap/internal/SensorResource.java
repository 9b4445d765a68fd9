package io.edgeward.coap.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.Value;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * {@code GET /sensors/{device_id}/{metric}}, the seed's sensor resources: the latest value of one
 * of the device's metrics, {@code {"device_id","metric","value","unit","ts"}} (ts in epoch ms).
 * Observed, it notifies after each commit that brings the metric a new point. A device reads only
 * its own sensors (4.03 otherwise), as over MQTT it may only touch its own topics.
 */
public final class SensorResource extends DeviceResource implements Consumer<List<Point>> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TelemetryQueries queries;
    private final Map<ObserveRelation, Series> observers = new ConcurrentHashMap<>();
    private final Map<Series, Integer> observed = new ConcurrentHashMap<>();

    public SensorResource(Callers callers, Executor executor, TelemetryQueries queries) {
        super("sensors", callers, executor);
        this.queries = queries;
        observable();
        describe("edgeward.sensor", "core.s");
    }

    /** One series: a device's metric. */
    record Series(DeviceId device, String metric) {}

    @Override
    public void handleGET(CoapExchange exchange) {
        Caller caller = caller(exchange).orElse(null);
        if (caller == null) {
            return;
        }
        List<String> path = caller.path();
        if (!caller.device().id().value().equals(path.get(1))) {
            Replies.refuse(exchange, ResponseCode.FORBIDDEN, "a device reads only its own sensors: /sensors/"
                    + caller.device().id() + "/{metric}");
            return;
        }
        String metric = path.get(2);
        Optional<Point> latest = Point.isValidMetric(metric) ? latest(caller.device().id(), metric) : Optional.empty();
        if (latest.isEmpty()) {
            Replies.refuse(exchange, ResponseCode.NOT_FOUND, "no value of '" + metric + "' from this device yet");
            return;
        }
        Point point = latest.get();
        ObjectNode body = JSON.createObjectNode();
        body.put("device_id", point.device().value());
        body.put("metric", point.metric());
        switch (point.value()) {
            case Value.Num num -> body.put("value", num.value());
            case Value.Bool bool -> body.put("value", bool.value());
            case Value.Text text -> body.put("value", text.value());
        }
        if (point.unit() != null) {
            body.put("unit", point.unit());
        }
        body.put("ts", point.timestamp());
        Replies.json(exchange, ResponseCode.CONTENT, body);
    }

    /** The metrics a device has sent, for discovery. */
    List<String> metrics(DeviceId device) {
        return queries.latest(device).stream().map(Point::metric).sorted().toList();
    }

    @Override
    public void addObserveRelation(ObserveRelation relation) {
        super.addObserveRelation(relation);
        caller(relation).ifPresent(caller -> {
            Series series = new Series(caller.device().id(), caller.path().get(2));
            if (observers.put(relation, series) == null) {
                observed.merge(series, 1, Integer::sum);
            }
        });
    }

    @Override
    public void removeObserveRelation(ObserveRelation relation) {
        super.removeObserveRelation(relation);
        Series series = observers.remove(relation);
        if (series != null) {
            observed.computeIfPresent(series, (s, count) -> count <= 1 ? null : count - 1);
        }
    }

    /** Told of every committed batch, on the pipeline's writer: only notes which observed series moved. */
    @Override
    public void accept(List<Point> points) {
        if (observed.isEmpty()) {
            return;
        }
        Set<Series> moved = new HashSet<>();
        for (Point point : points) {
            Series series = new Series(point.device(), point.metric());
            if (observed.containsKey(series)) {
                moved.add(series);
            }
        }
        if (!moved.isEmpty()) {
            changed(relation -> moved.contains(observers.get(relation)));
        }
    }

    /** Ends the device's observations (4.01): its credentials are gone. */
    void forget(DeviceId device) {
        clearAndNotifyObserveRelations(relation -> {
            Series series = observers.get(relation);
            return series != null && series.device().equals(device);
        }, ResponseCode.UNAUTHORIZED);
    }

    private Optional<Point> latest(DeviceId device, String metric) {
        return queries.latest(device).stream().filter(p -> p.metric().equals(metric)).findFirst();
    }
}
