package io.edgeward.coap.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TelemetryQueries;
import io.edgeward.core.telemetry.Value;
import java.io.IOException;
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
 * {@code /sensors/{device_id}/{metric}}, the seed's sensor resources. GET: the latest value of one
 * of the device's metrics in the seed's telemetry document,
 * {@code {"sensor_id","type","value","unit","timestamp"}} (timestamp in Unix seconds, with the
 * milliseconds as fraction), which is also what the seed's CoAP sensor answers. Observed, it
 * notifies after each commit that brings the metric a new point. PUT {@code {"value": 21.5}}
 * (optionally {@code unit}, {@code timestamp}) sets the value as the seed's sensor does: it is one
 * telemetry point, stored before the 2.04. A device reads and writes only its own sensors (4.03
 * otherwise), as over MQTT it may only touch its own topics.
 */
public final class SensorResource extends DeviceResource implements Consumer<List<Point>> {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads and writes NaN and Infinity as the telemetry decoder reads them, so that it refuses them as not_finite. */
    private static final ObjectMapper DOCUMENTS = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    private final TelemetryQueries queries;
    private final TelemetryResource telemetry;
    private final Map<ObserveRelation, Series> observers = new ConcurrentHashMap<>();
    private final Map<Series, Integer> observed = new ConcurrentHashMap<>();

    public SensorResource(Callers callers, Executor executor, TelemetryQueries queries, TelemetryResource telemetry) {
        super("sensors", callers, executor);
        this.queries = queries;
        this.telemetry = telemetry;
        observable();
        describe("edgeward.sensor", "core.s");
    }

    /** One series: a device's metric. */
    record Series(DeviceId device, String metric) {}

    /** Whether the path names one of the caller's own sensors; a 4.03 already answered otherwise. */
    private static boolean owns(CoapExchange exchange, Caller caller) {
        if (caller.device().id().value().equals(caller.path().get(1))) {
            return true;
        }
        Replies.refuse(
                exchange,
                ResponseCode.FORBIDDEN,
                "a device reads and writes only its own sensors: /sensors/"
                        + caller.device().id() + "/{metric}");
        return false;
    }

    @Override
    void put(CoapExchange exchange, Caller caller) {
        long arrivalMillis = System.currentTimeMillis();
        long arrivalNanos = System.nanoTime();
        if (!owns(exchange, caller) || !json(exchange, "a sensor's value")) {
            return;
        }
        // The body becomes the seed's document for this sensor, and the telemetry path validates it all
        // (metric name, value type, finiteness, time), answers and counts refusals as for POST /telemetry.
        byte[] payload = exchange.getRequestPayload();
        try {
            JsonNode body = DOCUMENTS.readTree(payload);
            ObjectNode document = DOCUMENTS.createObjectNode();
            document.put("sensor_id", caller.device().id().value());
            document.put("type", caller.path().get(2));
            if (body instanceof ObjectNode object) {
                for (String field : List.of("value", "unit", "timestamp")) {
                    if (object.has(field)) {
                        document.set(field, object.get(field));
                    }
                }
            }
            payload = DOCUMENTS.writeValueAsBytes(
                    document); // without a value when the body had none: refused as malformed
        } catch (IOException e) {
            // Not JSON: handed on as it is, to be refused as malformed.
        }
        telemetry.ingest(
                exchange, caller, payload, io.edgeward.core.telemetry.PayloadFormat.JSON, arrivalMillis, arrivalNanos);
    }

    @Override
    void get(CoapExchange exchange, Caller caller) {
        if (!owns(exchange, caller)) {
            return;
        }
        List<String> path = caller.path();
        String metric = path.get(2);
        Optional<Point> latest =
                Point.isValidMetric(metric) ? latest(caller.device().id(), metric) : Optional.empty();
        if (latest.isEmpty()) {
            Replies.refuse(exchange, ResponseCode.NOT_FOUND, "no value of '" + metric + "' from this device yet");
            return;
        }
        Point point = latest.get();
        ObjectNode body = JSON.createObjectNode();
        body.put("sensor_id", point.device().value());
        body.put("type", point.metric());
        switch (point.value()) {
            case Value.Num num -> body.put("value", num.value());
            case Value.Bool bool -> body.put("value", bool.value());
            case Value.Text text -> body.put("value", text.value());
        }
        if (point.unit() != null) {
            body.put("unit", point.unit());
        }
        body.put("timestamp", point.timestamp() / 1000.0);
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
        clearAndNotifyObserveRelations(
                relation -> {
                    Series series = observers.get(relation);
                    return series != null && series.device().equals(device);
                },
                ResponseCode.UNAUTHORIZED);
    }

    private Optional<Point> latest(DeviceId device, String metric) {
        return queries.latest(device).stream()
                .filter(p -> p.metric().equals(metric))
                .findFirst();
    }
}
