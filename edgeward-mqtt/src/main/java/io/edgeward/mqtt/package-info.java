/**
 * MQTT for devices and local applications: the embedded HiveMQ CE broker with Edgeward's
 * extension, which authenticates devices against the registry and operator-defined users against
 * the configuration, keeps every device inside its own topics, and holds the acknowledgement of
 * telemetry until the pipeline has stored it.
 */
package io.edgeward.mqtt;
