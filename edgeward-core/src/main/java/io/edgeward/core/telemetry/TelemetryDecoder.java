package io.edgeward.core.telemetry;

import io.edgeward.core.telemetry.internal.JsonTelemetryDecoder;
import io.edgeward.core.telemetry.internal.PointCollector;
import io.edgeward.core.telemetry.internal.ProtobufTelemetryDecoder;

/**
 * Turns a raw message into validated points. Never throws on bad input: everything wrong with a
 * payload comes back as a {@link Rejection}, and every good point of the same message is kept.
 *
 * <p>Accepted documents (JSON; the same shapes exist in Protobuf, see {@code telemetry.proto}):
 * <ul>
 *   <li>the seed's {@code {"sensor_id","type","value","unit","location","timestamp"}}, timestamp in
 *       Unix seconds (fractions allowed; values above 10^11 are taken as milliseconds, a common device
 *       mistake that would otherwise land in the year 5000);
 *   <li>{@code {"ts": <epoch ms>, "values": {"temperature": 21.5, "door": true}}};
 *   <li>a JSON array of either.
 * </ul>
 * The same documents are accepted in CBOR.
 */
public final class TelemetryDecoder {

    private final TelemetryLimits limits;
    private final JsonTelemetryDecoder json = new JsonTelemetryDecoder();
    private final ProtobufTelemetryDecoder protobuf = new ProtobufTelemetryDecoder();

    public TelemetryDecoder(TelemetryLimits limits) {
        this.limits = limits;
    }

    public Decoded decode(TelemetryMessage message) {
        int size = message.payload().length;
        if (size > limits.maxPayloadBytes()) {
            return Decoded.refused(
                    RejectReason.TOO_LARGE,
                    "payload of " + size + " bytes exceeds the limit of " + limits.maxPayloadBytes());
        }
        if (size == 0) {
            return Decoded.refused(RejectReason.MALFORMED, "empty payload");
        }
        PointCollector collector = new PointCollector(message.device(), message.arrivalMillis(), limits);
        switch (message.format()) {
            case JSON -> json.decode(message.payload(), collector);
            case CBOR -> json.decodeCbor(message.payload(), collector);
            case PROTOBUF -> protobuf.decode(message.payload(), collector);
        }
        return collector.result();
    }
}
