/** The sync uplink over MQTT 5: an edge's frames published with QoS 1, removed from the outbox on PUBACK. */
package io.edgeward.sync.mqtt;
