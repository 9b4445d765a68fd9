package io.edgeward.core.telemetry;

/** How a telemetry payload is encoded. */
public enum PayloadFormat {
    JSON,
    /** The JSON documents' shapes in CBOR (RFC 8949), as constrained CoAP devices send them. */
    CBOR,
    PROTOBUF
}
