/**
 * Sync over NATS JetStream (the seed's NATS): an edge publishes each frame to its own stream with
 * {@code Nats-Msg-Id} for de-duplication and removes its outbox rows on the publish
 * acknowledgement (the stream has it, on disk); a cloud node reads every edge's stream with a
 * durable pull consumer and acknowledges a message only after its commit.
 */
package io.edgeward.sync.nats;
