package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DevicePatch;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.lifecycle.Lifecycles;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.logs.LogEntry;
import io.edgeward.core.logs.LogLevel;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.sync.Backlog;
import io.edgeward.core.sync.EdgeConfig;
import io.edgeward.core.sync.EdgeConfigConflictException;
import io.edgeward.core.sync.EdgeConfigRepository;
import io.edgeward.core.sync.EdgeEvent;
import io.edgeward.core.sync.OutboxEntry;
import io.edgeward.core.sync.OutboxSegment;
import io.edgeward.core.sync.Priority;
import io.edgeward.core.sync.SyncCodec;
import io.edgeward.core.sync.SyncMark;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.sync.SyncSettings;
import io.edgeward.core.sync.proto.DeviceRecord;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
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
        Platform platform = cloudPlatform();
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

    /** A node receiving edges on this store. */
    private Platform cloudPlatform() {
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
        return Platform.builder(store.ports(), parts)
                .meters(meters)
                .threads(Threads.named("test"))
                .syncSettings(cloud)
                .start();
    }

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** Sends one HIGH segment of these records from {@code edge-a}, as its uplink would. */
    private SyncReceiver.Outcome fromEdge(SyncReceiver receiver, Record... records) throws Exception {
        var outbox = store.ports().outbox();
        outbox.append(List.of(SyncCodec.segment(Priority.HIGH, List.of(records))));
        List<OutboxEntry> rows = outbox.read(Priority.HIGH, 0, 1 << 20);
        SyncReceiver.Outcome outcome = receiver.receive(
                        "edge-a", SyncCodec.frame("edge-a", Priority.HIGH, rows, SyncSettings.Compression.GZIP))
                .get();
        outbox.remove(Priority.HIGH, rows.getLast().seq());
        return outcome;
    }

    private static Record deviceRecord(String id, String name, long changedAt, long basedOn) {
        return Record.newBuilder()
                .setDevice(DeviceRecord.newBuilder()
                        .setId(id)
                        .setName(name)
                        .setType("actuator")
                        .setChangedAtMs(changedAt)
                        .setBasedOnMs(basedOn))
                .build();
    }

    private List<EdgeEvent> conflicts() {
        return store.ports().outbox().events("edge-a", 10).stream()
                .filter(event -> event.kind().equals("device_conflict"))
                .toList();
    }

    @Test
    void deviceRecords_changesOnAVersionApply_changesMadeApartConflict_theNewerWins_andTheLoserIsRecorded()
            throws Exception {
        store = openStore();
        Platform platform = cloudPlatform();
        SyncReceiver receiver = platform.sync().receiver().orElseThrow();
        DeviceRegistry registry = platform.registry();

        // Points first: the device is attached with a placeholder, which its record then replaces.
        fromEdge(receiver, SyncCodec.point(point("far-2", 1_000, 1)));
        fromEdge(receiver, deviceRecord("far-2", "pump", 10_000, 0));
        Device learnt = registry.get("far-2");
        assertThat(learnt.name()).isEqualTo("pump");
        assertThat(learnt.type())
                .as("the edge's type replaces the placeholder's")
                .isEqualTo(DeviceType.ACTUATOR);
        assertThat(learnt.edge()).isEqualTo("edge-a");
        assertThat(learnt.updatedAt().toEpochMilli()).isEqualTo(10_000);
        assertThat(registry.list(new DeviceFilter(null, null, null, null, null, "edge-a"), 10, null))
                .extracting(Device::id)
                .containsExactly(DeviceId.of("far-2"));
        assertThat(registry.list(new DeviceFilter(null, null, null, null, null, "edge-b"), 10, null))
                .isEmpty();
        // A change the edge made on that version applies, even by an edge clock behind this one.
        fromEdge(receiver, deviceRecord("far-2", "pump-1", 9_000, 10_000));
        assertThat(registry.get("far-2").name()).isEqualTo("pump-1");
        assertThat(conflicts()).isEmpty();

        // Renamed here (now), on 9 000; the edge renamed its 9 000 too, earlier by its clock.
        registry.update("far-2", DevicePatch.of(Map.of("name", "pump-cloud")));
        long cloudChange = registry.get("far-2").updatedAt().toEpochMilli();
        fromEdge(receiver, deviceRecord("far-2", "pump-edge", 20_000, 9_000));
        assertThat(registry.get("far-2").name()).isEqualTo("pump-cloud");
        assertThat(conflicts()).singleElement().satisfies(event -> {
            assertThat(event.device()).isEqualTo("far-2");
            JsonNode body = new ObjectMapper().readTree(event.json());
            assertThat(body.get("winner").asText()).isEqualTo("cloud");
            assertThat(body.at("/kept/name").asText()).isEqualTo("pump-cloud");
            assertThat(body.at("/lost/name").asText()).isEqualTo("pump-edge");
            assertThat(body.at("/lost/updated_at_ms").asLong()).isEqualTo(20_000);
        });
        assertThat(meters.get("edgeward.sync.device.conflicts")
                        .tag("kept", "cloud")
                        .counter()
                        .count())
                .isEqualTo(1);

        // Changed at the edge again, on its own version, after the cloud's change: the edge's wins, and
        // the cloud's change is the one recorded as lost.
        fromEdge(receiver, deviceRecord("far-2", "pump-later", cloudChange + 60_000, 20_000));
        assertThat(registry.get("far-2").name()).isEqualTo("pump-later");
        assertThat(conflicts()).hasSize(2).first().satisfies(event -> {
            JsonNode body = new ObjectMapper().readTree(event.json());
            assertThat(body.get("winner").asText()).isEqualTo("edge");
            assertThat(body.at("/lost/name").asText()).isEqualTo("pump-cloud");
        });
        // The same record again (a resync) and the version it replaced (late) change nothing.
        fromEdge(receiver, deviceRecord("far-2", "pump-later", cloudChange + 60_000, 20_000));
        fromEdge(receiver, deviceRecord("far-2", "pump-edge", 20_000, 9_000));
        assertThat(registry.get("far-2").name()).isEqualTo("pump-later");
        assertThat(conflicts()).hasSize(2);
    }

    @Test
    void edgeConfigs_moveOneVersionAtATime_andKeepTheNewestReport() throws Exception {
        store = openStore();
        EdgeConfigRepository configs = store.ports().edgeConfigs();
        Instant at = Instant.ofEpochMilli(1_000);
        assertThat(configs.find("edge-a")).isEmpty();
        assertThat(configs.save("edge-a", "{\"rules\":[]}", 0L, "ops", at).version())
                .isEqualTo(1);
        assertThatThrownBy(() -> configs.save("edge-a", "{}", 0L, "ops", at))
                .isInstanceOf(EdgeConfigConflictException.class)
                .extracting(e -> ((EdgeConfigConflictException) e).current())
                .isEqualTo(1L);
        assertThat(configs.save("edge-a", "{\"processing\":{}}", 1L, "ops", at).version())
                .isEqualTo(2);
        assertThat(configs.save("edge-a", "{}", null, "ops", at).version()).isEqualTo(3);

        configs.applied("edge-a", new EdgeConfig.Applied(3, EdgeConfig.APPLIED, at, "rules: 0 listed"));
        configs.applied("edge-a", new EdgeConfig.Applied(2, EdgeConfig.FAILED, at, "late"));
        EdgeConfig kept = configs.find("edge-a").orElseThrow();
        assertThat(kept.document()).isEqualTo("{}");
        assertThat(kept.applied().version()).as("an older report is ignored").isEqualTo(3);
        assertThat(kept.applied().succeeded()).isTrue();

        // At an edge: what it applied, at the cloud's version, which only moves forward.
        configs.keepApplied("edge-b", 7, "{\"rules\":[]}", new EdgeConfig.Applied(7, EdgeConfig.FAILED, at, "no"));
        configs.keepApplied("edge-b", 5, "{}", new EdgeConfig.Applied(5, EdgeConfig.APPLIED, at, "old"));
        EdgeConfig applied = configs.find("edge-b").orElseThrow();
        assertThat(applied.version()).isEqualTo(7);
        assertThat(applied.applied().status()).isEqualTo(EdgeConfig.FAILED);
        assertThat(configs.list()).extracting(EdgeConfig::edgeId).containsExactly("edge-a", "edge-b");
    }

    @Test
    void deviceLogs_goToTheOutboxWithTheirIds_andAnEdgesLinesAreStoredOnce() throws Exception {
        store = openStore();
        var logs = store.ports().deviceLogs();
        DeviceId device = DeviceId.of("log-1");
        logs.append(
                List.of(
                        new LogEntry(0, device, 1_000, LogLevel.INFO, "booted", null, null),
                        new LogEntry(0, device, 2_000, LogLevel.ERROR, "fault", "{\"code\":7}", null)),
                SyncCodec::logs);
        List<LogEntry> stored = logs.query(device, 0, Long.MAX_VALUE, LogLevel.DEBUG, 0, 10);
        assertThat(stored).extracting(LogEntry::message).containsExactly("fault", "booted");
        List<OutboxEntry> rows = store.ports().outbox().read(Priority.LOW, 0, 1 << 20);
        assertThat(rows).singleElement().extracting(OutboxEntry::records).isEqualTo(2);

        // The cloud's side: the edge's ids make a frame sent twice add its lines once.
        List<LogEntry> fromEdge = SyncCodec.decode(
                        SyncCodec.frame("edge-a", Priority.LOW, rows, SyncSettings.Compression.GZIP))
                .segments()
                .getFirst()
                .records()
                .stream()
                .map(record -> SyncCodec.toLog(record.getLog(), "edge-a"))
                .toList();
        List<List<LogEntry>> forwarded = new java.util.ArrayList<>();
        java.util.function.Function<List<LogEntry>, List<io.edgeward.core.sync.OutboxSegment>> relay = added -> {
            forwarded.add(added);
            return List.of();
        };
        assertThat(logs.appendFromEdge("edge-a", fromEdge, relay)).isEqualTo(2);
        assertThat(logs.appendFromEdge("edge-a", fromEdge, relay)).isZero();
        assertThat(forwarded.get(0))
                .as("a relay sends on the new lines, with this store's ids")
                .extracting(LogEntry::id)
                .doesNotContainAnyElementsOf(fromEdge.stream().map(LogEntry::id).toList());
        assertThat(forwarded.get(1)).as("nothing new, nothing sent on").isEmpty();
        // (One store plays both sides here: the edge's own line, and the copy it sent.)
        assertThat(logs.query(device, 0, Long.MAX_VALUE, LogLevel.ERROR, 0, 10))
                .extracting(LogEntry::edgeId)
                .containsExactly("edge-a", null);
        assertThat(logs.query(null, 0, Long.MAX_VALUE, LogLevel.DEBUG, 0, 10)).hasSize(4);
        assertThat(logs.deleteBefore(1_500)).isEqualTo(2);
        logs.deleteDevice(device);
        assertThat(logs.query(null, 0, Long.MAX_VALUE, LogLevel.DEBUG, 0, 10)).isEmpty();
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
