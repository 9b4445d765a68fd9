package io.edgeward.core.sync;

import java.util.Objects;

/**
 * A share of one stream to be appended to the outbox: a {@code RecordList} (sync.proto), encoded.
 *
 * @param records how many records it holds, for the backlog's figures
 */
public record OutboxSegment(Priority priority, int records, byte[] payload) {

    public OutboxSegment {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(payload, "payload");
        priority.code();
        if (records <= 0) {
            throw new IllegalArgumentException("an outbox segment holds at least one record");
        }
    }
}
