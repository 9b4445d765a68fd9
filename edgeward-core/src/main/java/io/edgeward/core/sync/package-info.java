/**
 * Edge-to-cloud sync. At the edge, what is forwarded is written to a durable outbox in the same
 * group commit that acknowledges the devices ({@link io.edgeward.core.sync.OutboxForwarder}), or in
 * its own transaction for events; {@link io.edgeward.core.sync.SyncSender} drains the outbox by
 * priority through an {@link io.edgeward.core.sync.Uplink} (MQTT, NATS JetStream) and removes rows
 * only once the other side has them. In the cloud, {@link io.edgeward.core.sync.SyncReceiver}
 * stores a frame's points with the frame's sequence mark in one commit, so a resent frame is
 * recognised and skipped.
 */
package io.edgeward.core.sync;
