package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.sync.Backlog;
import io.edgeward.core.sync.OutboxEntry;
import io.edgeward.core.sync.OutboxSegment;
import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncCodec;
import io.edgeward.core.sync.SyncMark;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.sync.SyncSettings;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox and the receiving side's marks on each store: rows appended in the group commit's
 * transaction, read in order within a size bound, removed once sent, parked, evicted oldest first;
 * a frame stored once however often it arrives.
 */
abstract class SyncContract {

    SqlStore store;
    Lifecycles parts;

    abstract SqlStore openStore() throws Exception;

    /** The same store, closed and opened again. */
    abstract SqlStore reopenStore() throws Exception;

    @AfterEach
    void stop() {
        if (parts != null) {
            parts.close();
            parts = null;
        }
    }

    private static Point point(String device, long ts, double value) {
        return new Point(DeviceId.of(device), "temperature", ts, new Value.Num(value), "C");
    }

    private static OutboxSegment segment(Priority priority, Point... points) {
        return SyncCodec.segment(
                priority, java.util.Arrays.stream(points).map(SyncCodec::point).toList());
    }

    @Test
    void commit_appendsTheOutboxRowsWithThePoints_inOrderPerStream() throws Exception {
        store = openStore();
        Point first = point("d1", 1_000, 1);
        Point second = point("d1", 2_000, 2);
        store.telemetryWriter()
                .commit(new CommitBatch(List.of(first), List.of(), List.of(segment(Priority.LOW, first)), List.of()));
        store.telemetryWriter()
                .commit(new CommitBatch(
                        List.of(second),
                        List.of(),
                        List.of(segment(Priority.LOW, second), segment(Priority.HIGH, second)),
                        List.of()));

        List<OutboxEntry> low = store.ports().outbox().read(Priority.LOW, 0, 1 << 20);
        assertThat(low).hasSize(2);
        assertThat(low.get(0).seq()).isLessThan(low.get(1).seq());
        assertThat(low.get(0).payload()).isEqualTo(segment(Priority.LOW, first).payload());
        assertThat(store.ports().outbox().read(Priority.HIGH, 0, 1 << 20)).hasSize(1);
        Backlog backlog = store.ports().outbox().backlog().get(Priority.LOW);
        assertThat(backlog.rows()).isEqualTo(2);
        assertThat(backlog.records()).isEqualTo(2);
        assertThat(backlog.bytes())
                .isEqualTo(low.get(0).payload().length + low.get(1).payload().length);
    }

    @Test
    void read_staysWithinTheSizeBound_butAlwaysReturnsOneRow() throws Exception {
        store = openStore();
        for (int i = 0; i < 5; i++) {
            store.ports().outbox().append(List.of(segment(Priority.MEDIUM, point("d1", 1_000 + i, i + 1))));
        }
        int one =
                store.ports().outbox().read(Priority.MEDIUM, 0, 1 << 20).get(0).payload().length;
        assertThat(store.ports().outbox().read(Priority.MEDIUM, 0, 2L * one)).hasSize(2);
        assertThat(store.ports().outbox().read(Priority.MEDIUM, 0, 1)).hasSize(1);
    }

    @Test
    void remove_park_andEvict_takeRowsFromTheirStreamOnly() throws Exception {
        store = openStore();
        var outbox = store.ports().outbox();
        for (int i = 0; i < 6; i++) {
            outbox.append(List.of(segment(Priority.LOW, point("d1", i, i)), segment(Priority.HIGH, point("d1", i, i))));
        }
        List<OutboxEntry> low = outbox.read(Priority.LOW, 0, 1 << 20);
        outbox.remove(Priority.LOW, low.get(1).seq());
        assertThat(outbox.read(Priority.LOW, 0, 1 << 20)).hasSize(4);
        assertThat(outbox.read(Priority.HIGH, 0, 1 << 20))
                .as("another stream's rows stay")
                .hasSize(6);

        outbox.park(low.get(2), "PAYLOAD_FORMAT_INVALID: test", 42);
        assertThat(outbox.read(Priority.LOW, 0, 1 << 20))
                .extracting(OutboxEntry::seq)
                .doesNotContain(low.get(2).seq());
        assertThat(outbox.parked(10)).singleElement().satisfies(parked -> {
            assertThat(parked.seq()).isEqualTo(low.get(2).seq());
            assertThat(parked.reason()).contains("PAYLOAD_FORMAT_INVALID");
        });

        Backlog evicted = outbox.evictOldest(Priority.LOW, 1);
        assertThat(evicted.rows()).isEqualTo(1);
        assertThat(outbox.read(Priority.LOW, 0, 1 << 20))
                .extracting(OutboxEntry::seq)
                .containsExactly(low.get(4).seq(), low.get(5).seq());
        assertThat(outbox.read(Priority.HIGH, 0, 1 << 20)).hasSize(6);
    }

    @Test
    void positions_areNeverHandedOutTwice_afterTheNewestWereSentAndTheStoreReopened() throws Exception {
        store = openStore();
        store.ports().outbox().append(List.of(segment(Priority.HIGH, point("d1", 1, 1))));
        long sent =
                store.ports().outbox().read(Priority.HIGH, 0, 1 << 20).get(0).seq();
        store.ports().outbox().remove(Priority.HIGH, sent);
        store = reopenStore();
        store.ports().outbox().append(List.of(segment(Priority.HIGH, point("d1", 2, 2))));
        assertThat(store.ports().outbox().read(Priority.HIGH, 0, 1 << 20).get(0).seq())
                .isGreaterThan(sent);
    }

    @Test
    void receiver_storesAFrameOnce_andRefusesAnotherEdgesFrameAndAClashingDevice() throws Exception {
        store = openStore();
        parts = new Lifecycles(Platform.STOP_BOUND);
        SyncSettings cloud = new SyncSettings(
                EnumSet.of(SyncSettings.Role.CLOUD),
                "",
                new SyncSettings.UplinkSettings(null, "", "", "", "protobuf", "edge/{edge}/sync/{stream}", ""),
                new SyncSettings.UplinkSettings(null, "", "", "", "protobuf", "edge/{edge}/sync/{stream}", ""),
                Duration.ofMinutes(5),
                Duration.ofHours(1),
                Priority.LOW,
                List.of(),
                1L << 30,
                1L << 20,
                SyncSettings.Compression.ZSTD,
                Duration.ofSeconds(60),
                0);
        Platform platform = Platform.builder(store.ports(), parts)
                .meters(new SimpleMeterRegistry())
                .threads(Threads.named("test"))
                .syncSettings(cloud)
                .start();
        platform.registry().register(NewDevice.of(DeviceId.of("local-1"), DeviceType.SENSOR));
        SyncReceiver receiver = platform.sync().receiver().orElseThrow();

        var outbox = store.ports().outbox();
        outbox.append(List.of(segment(
                Priority.LOW,
                IntStream.range(0, 10)
                        .mapToObj(i -> point("far-1", 1_000 + i, i))
                        .toArray(Point[]::new))));
        outbox.append(List.of(segment(Priority.LOW, point("far-1", 5_000, 5), point("local-1", 5_000, 5))));
        List<OutboxEntry> rows = outbox.read(Priority.LOW, 0, 1 << 20);
        byte[] frame = SyncCodec.frame("edge-a", Priority.LOW, rows, SyncSettings.Compression.ZSTD);

        SyncReceiver.Outcome first = receiver.receive("edge-a", frame).get();
        assertThat(first.segments()).isEqualTo(2);
        assertThat(first.points()).isEqualTo(11);
        assertThat(first.refusedRecords())
                .as("local-1 is this node's own device")
                .isEqualTo(1);
        SyncReceiver.Outcome again = receiver.receive("edge-a", frame).get();
        assertThat(again.skipped()).isEqualTo(2);
        assertThat(again.points()).isZero();

        assertThat(store.ports()
                        .telemetryReader()
                        .raw(DeviceId.of("far-1"), "temperature", new TimeRange(0, 10_000), 100))
                .hasSize(11);
        assertThat(store.ports()
                        .telemetryReader()
                        .raw(DeviceId.of("local-1"), "temperature", new TimeRange(0, 10_000), 100))
                .isEmpty();
        assertThat(store.ports().outbox().edgeOf(DeviceId.of("far-1"))).contains("edge-a");
        assertThat(store.ports().outbox().marks()).singleElement().satisfies(mark -> {
            assertThat(mark.edgeId()).isEqualTo("edge-a");
            assertThat(mark.seq()).isEqualTo(rows.getLast().seq());
        });
        assertThatThrownBy(() -> receiver.receive("edge-b", frame))
                .isInstanceOf(SyncCodec.MalformedFrameException.class)
                .hasMessageContaining("edge-a");
        assertThatThrownBy(() -> receiver.receive("edge-a", new byte[] {1, 2, 3}))
                .isInstanceOf(SyncCodec.MalformedFrameException.class);
        // far-1 is edge-a's: edge-b's records of it are refused.
        byte[] stolen = SyncCodec.frame("edge-b", Priority.LOW, rows.subList(0, 1), SyncSettings.Compression.GZIP);
        assertThat(receiver.receive("edge-b", stolen).get().refusedRecords()).isEqualTo(10);
    }

    @Test
    void marks_neverMoveBack() throws Exception {
        store = openStore();
        store.telemetryWriter()
                .commit(new CommitBatch(
                        List.of(), List.of(), List.of(), List.of(new SyncMark("e", Priority.HIGH, 9, 1))));
        store.telemetryWriter()
                .commit(new CommitBatch(
                        List.of(), List.of(), List.of(), List.of(new SyncMark("e", Priority.HIGH, 4, 1))));
        assertThat(store.ports().outbox().marks())
                .singleElement()
                .extracting(m -> m.seq())
                .isEqualTo(9L);
    }
}
