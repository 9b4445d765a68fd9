/**
 * The telemetry ingest pipeline: decode, validate, persist (group commit), and query.
 *
 * <p>A transport hands a {@link io.edgeward.core.telemetry.TelemetryMessage} to
 * {@link io.edgeward.core.telemetry.TelemetryPipeline#submit}; the returned future completes only
 * after the message's points are committed by the {@link io.edgeward.core.telemetry.TelemetryWriter},
 * so the transport can hold its acknowledgement (MQTT PUBACK, CoAP ACK) until then. Bad points are
 * refused individually with a {@link io.edgeward.core.telemetry.RejectReason}; good points in the
 * same message are still stored.
 */
package io.edgeward.core.telemetry;
