package io.edgeward.core.telemetry;

/** How a telemetry payload is encoded. */
public enum PayloadFormat {
    JSON,
    PROTOBUF
}
