package io.edgeward.core.sync;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/** The seed's sync metrics and Edgeward's own, in one place for the sender and the receiver. */
public final class SyncMetrics {

    private final MeterRegistry meters;
    private final Counter success;
    private final Counter failed;
    private final Counter bytesUp;
    private final Counter bytesDown;
    private final Map<Priority, Counter> records = new EnumMap<>(Priority.class);
    private final Map<Priority, Counter> evicted = new EnumMap<>(Priority.class);
    private final Map<Priority, Counter> parked = new EnumMap<>(Priority.class);
    private final Counter received;
    private final Counter duplicates;
    private final Counter refused;

    public SyncMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.success = Counter.builder("iot.data.sync.success")
                .description("Sync frames the other side accepted")
                .register(meters);
        this.failed = Counter.builder("iot.data.sync.failed")
                .description("Sync attempts that failed (link down, timeout) or were refused")
                .register(meters);
        this.bytesUp = bytes("up");
        this.bytesDown = bytes("down");
        for (Priority stream : Priority.STREAMS) {
            records.put(
                    stream,
                    Counter.builder("edgeward.sync.records")
                            .description("Records the other side accepted, by stream")
                            .tag("stream", stream.wireName())
                            .register(meters));
            evicted.put(
                    stream,
                    Counter.builder("edgeward.sync.evicted.records")
                            .description("Records evicted from the outbox over sync.outbox.max-disk, by stream")
                            .tag("stream", stream.wireName())
                            .register(meters));
            parked.put(
                    stream,
                    Counter.builder("edgeward.sync.parked.records")
                            .description("Records in outbox rows the other side refused, parked, by stream")
                            .tag("stream", stream.wireName())
                            .register(meters));
        }
        this.received = Counter.builder("edgeward.sync.received.segments")
                .description("Outbox segments received from edges and stored")
                .register(meters);
        this.duplicates = Counter.builder("edgeward.sync.received.duplicates")
                .description("Outbox segments received from edges again and skipped (already stored)")
                .register(meters);
        this.refused = Counter.builder("edgeward.sync.received.refused")
                .description("Sync frames or records refused from edges (malformed, another edge's, a device clash)")
                .register(meters);
    }

    private Counter bytes(String direction) {
        return Counter.builder("edgeward.sync.bytes")
                .description("Sync frame bytes, by direction (up: sent to the uplink; down: received from edges)")
                .baseUnit("bytes")
                .tag("direction", direction)
                .register(meters);
    }

    void watch(SyncSender sender) {
        Gauge.builder("iot.data.sync.cached", sender, SyncSender::cachedRecords)
                .description("Records waiting in the outbox for the uplink")
                .register(meters);
        for (Priority stream : Priority.STREAMS) {
            Gauge.builder("edgeward.sync.backlog", sender, s -> s.backlogSeconds(stream))
                    .description("How long the stream's oldest outbox row has waited")
                    .baseUnit("seconds")
                    .tag("stream", stream.wireName())
                    .register(meters);
        }
    }

    void sent(Priority stream, long recordCount, int frameBytes) {
        success.increment();
        records.get(stream).increment(recordCount);
        bytesUp.increment(frameBytes);
    }

    void failed() {
        failed.increment();
    }

    void evicted(Priority stream, long recordCount) {
        evicted.get(stream).increment(recordCount);
    }

    void parked(Priority stream, long recordCount) {
        parked.get(stream).increment(recordCount);
    }

    void received(int frameBytes, int segments, int skipped) {
        bytesDown.increment(frameBytes);
        received.increment(segments);
        duplicates.increment(skipped);
    }

    void refused() {
        refused.increment();
    }

    /**
     * A device record edited on both sides while apart: the newer change, {@code kept} ({@code cloud}
     * or {@code edge}), stands and the other is recorded.
     */
    void conflict(String kept) {
        Counter.builder("edgeward.sync.device.conflicts")
                .description("Device records edited on both sides of a sync link while apart; the newer was kept, the"
                        + " other recorded in the sync events")
                .tag("kept", kept)
                .register(meters)
                .increment();
    }
}
