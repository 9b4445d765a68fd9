package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceAlreadyExistsException;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceNotFoundException;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.device.Registration;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.platform.Platform;
import io.edgeward.core.telemetry.Aggregation;
import io.edgeward.core.telemetry.Bucket;
import io.edgeward.core.telemetry.CommitBatch;
import io.edgeward.core.telemetry.PayloadFormat;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesInfo;
import io.edgeward.core.telemetry.TelemetryMessage;
import io.edgeward.core.telemetry.TelemetryReader;
import io.edgeward.core.telemetry.TimeRange;
import io.edgeward.core.telemetry.Value;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of the relational ports; every dialect runs the same suite. */
abstract class StoreContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final long T0 = 1_760_000_000_000L;
    static final DeviceId DEV = DeviceId.of("dev-1");

    SqlStore store;
    DeviceRegistry registry;

    /** A fresh, empty store. */
    abstract SqlStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
        registry = registryAt(T0);
    }

    DeviceRegistry registryAt(long millis) {
        return registry(store, millis);
    }

    /** A registry over the store with nobody connected and no sessions to close; deletions reach the telemetry, as in a node. */
    /** Submits {@code {"ts": ts, "values": {metric: value}}} as a device does, and waits for its acknowledgement. */
    static void send(Platform platform, DeviceId device, long ts, String metric, Object value) {
        String body = "{\"ts\":" + ts + ",\"values\":{\"" + metric + "\":" + JSON.valueToTree(value) + "}}";
        platform.pipeline()
                .submit(new TelemetryMessage(
                        device,
                        DeviceType.SENSOR,
                        body.getBytes(StandardCharsets.UTF_8),
                        PayloadFormat.JSON,
                        ts,
                        System.nanoTime()))
                .join();
    }

    static DeviceRegistry registry(SqlStore store, long millis) {
        DeviceRegistry registry = new DeviceRegistry(
                store.devices(),
                new Presence(store.devices(), Duration.ofSeconds(1), Threads.named("test")),
                (id, forget) -> {},
                Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC));
        registry.addDeletionListener(store.telemetryWriter()::deleteDevice);
        return registry;
    }

    /** One group commit of {@code points}. */
    void append(List<Point> points) {
        store.telemetryWriter().commit(CommitBatch.of(points));
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void register_storesDeviceAndOnlyTheHashOfItsSecret() {
        Registration registration = registry.register(new NewDevice(
                DEV,
                "Lab sensor",
                DeviceType.SENSOR,
                "TH-1",
                "1.0.2",
                "lab",
                Map.of("floor", 2, "vendor", "acme"),
                Set.of("lab", "floor-2")));

        Device stored = store.devices().find(DEV).orElseThrow();
        assertThat(stored.name()).isEqualTo("Lab sensor");
        assertThat(stored.metadata()).containsEntry("floor", 2).containsEntry("vendor", "acme");
        assertThat(stored.tags()).containsExactlyInAnyOrder("lab", "floor-2");
        assertThat(stored.registeredAt()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(store.devices().secretHash(DEV))
                .hasValueSatisfying(hash -> assertThat(hash).doesNotContain(registration.secret()));
        assertThat(registry.authenticate(DEV, registration.secret()))
                .hasValueSatisfying(d -> assertThat(d.id()).isEqualTo(DEV));
        assertThat(registry.authenticate(DEV, registration.secret() + "x")).isEmpty();
        assertThat(registry.authenticate(DeviceId.of("nobody"), registration.secret()))
                .isEmpty();
    }

    @Test
    void register_twice_isRefused_firstSecretStillValid() {
        Registration first = registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        assertThatThrownBy(() -> registry.register(NewDevice.of(DEV, DeviceType.ACTUATOR)))
                .isInstanceOf(DeviceAlreadyExistsException.class);
        assertThat(registry.authenticate(DEV, first.secret())).isPresent();
        assertThat(store.devices().count()).isEqualTo(1);
    }

    @Test
    void list_newestFirst_withCursor() {
        for (int i = 0; i < 5; i++) {
            DeviceRegistry at = registryAt(T0 + i);
            at.register(NewDevice.of(DeviceId.of("d" + i), DeviceType.SENSOR));
        }
        List<Device> page1 = store.devices().list(DeviceFilter.ALL, 2, null);
        assertThat(page1).extracting(d -> d.id().value()).containsExactly("d4", "d3");
        List<Device> page2 =
                store.devices().list(DeviceFilter.ALL, 2, page1.get(1).id());
        assertThat(page2).extracting(d -> d.id().value()).containsExactly("d2", "d1");
        assertThat(store.devices().list(DeviceFilter.ALL, 10, page2.get(1).id()))
                .extracting(d -> d.id().value())
                .containsExactly("d0");
    }

    @Test
    void append_storesAllValueKinds_andQueriesThemBack() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        TelemetryReader telemetry = store.telemetryReader();
        append(List.of(
                new Point(DEV, "temperature", T0, Value.of(21.5), "°C"),
                new Point(DEV, "door", T0, Value.of(true), null),
                new Point(DEV, "mode", T0, Value.of("eco"), null)));

        assertThat(telemetry.latest(DEV))
                .containsExactly(
                        new Point(DEV, "door", T0, Value.of(true), null),
                        new Point(DEV, "mode", T0, Value.of("eco"), null),
                        new Point(DEV, "temperature", T0, Value.of(21.5), "°C"));
    }

    /** A unit belongs to its series: kept once, the newest one sent; points without one leave it as it was. */
    @Test
    void unit_isTheSeriesOwn_newestSentWins_andAPointWithoutOneKeepsIt() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        TelemetryReader telemetry = store.telemetryReader();
        TimeRange all = new TimeRange(T0, T0 + 10_000);
        append(List.of(new Point(DEV, "t", T0, Value.of(1), "°C"), new Point(DEV, "t", T0 + 1000, Value.of(2), null)));
        assertThat(telemetry.raw(DEV, "t", all, 10)).extracting(Point::unit).containsExactly("°C", "°C");
        assertThat(telemetry.latest(DEV)).containsExactly(new Point(DEV, "t", T0 + 1000, Value.of(2), "°C"));

        append(List.of(new Point(DEV, "t", T0 + 2000, Value.of(3), null)));
        assertThat(telemetry.latest(DEV)).containsExactly(new Point(DEV, "t", T0 + 2000, Value.of(3), "°C"));

        append(List.of(new Point(DEV, "t", T0 + 3000, Value.of(300), "K")));
        assertThat(telemetry.raw(DEV, "t", all, 10)).extracting(Point::unit).containsOnly("K");
    }

    @Test
    void append_sameSeriesAndTime_replaces_soRedeliveryIsIdempotent() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null)));
        append(List.of(new Point(DEV, "t", T0, Value.of(2), null)));
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 1), 10))
                .containsExactly(new Point(DEV, "t", T0, Value.of(2), null));
        assertThat(store.telemetryReader().latest(DEV)).containsExactly(new Point(DEV, "t", T0, Value.of(2), null));
    }

    @Test
    void latest_ignoresOlderArrivals() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        append(List.of(new Point(DEV, "t", T0 + 1000, Value.of(2), null)));
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null)));
        assertThat(store.telemetryReader().latest(DEV))
                .containsExactly(new Point(DEV, "t", T0 + 1000, Value.of(2), null));
    }

    @Test
    void raw_isOrderedBoundedAndHalfOpen() {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            points.add(new Point(DEV, "t", T0 + i * 1000L, Value.of(i), null));
        }
        points.add(new Point(DEV, "other", T0, Value.of(99), null));
        append(points);

        List<Point> window = store.telemetryReader().raw(DEV, "t", new TimeRange(T0 + 2000, T0 + 5000), 100);
        assertThat(window).extracting(Point::value).containsExactly(Value.of(2), Value.of(3), Value.of(4));
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(T0, T0 + 100_000), 4))
                .hasSize(4)
                .extracting(Point::timestamp)
                .isSorted();
    }

    @Test
    void forEachRaw_streamsEveryPointOfTheRange_inOrder_withTheSeriesUnit() {
        List<Point> points = IntStream.range(0, 3_000)
                .mapToObj(i -> new Point(DEV, "t", T0 + i, Value.of(i), i == 0 ? "°C" : null))
                .toList();
        List<Point> shuffled = new ArrayList<>(points);
        Collections.shuffle(shuffled, new Random(7));
        append(shuffled);
        append(List.of(new Point(DEV, "other", T0 + 5, Value.of(1), null)));

        List<Point> streamed = new ArrayList<>();
        store.telemetryReader().forEachRaw(DEV, "t", new TimeRange(T0 + 10, T0 + 2_990), streamed::add);
        assertThat(streamed).hasSize(2_980);
        assertThat(streamed)
                .extracting(Point::timestamp)
                .isSorted()
                .startsWith(T0 + 10)
                .endsWith(T0 + 2_989);
        assertThat(streamed).extracting(Point::unit).containsOnly("°C");
    }

    @Test
    void buckets_everyAggregation_matchesValuesComputedHere_fromOutOfOrderPoints() {
        // Two buckets of 10 s, aligned to the epoch; values 0..19 at one per second, stored in a shuffled order.
        long start = (T0 / 10_000) * 10_000;
        List<Point> points = IntStream.range(0, 20)
                .mapToObj(i -> new Point(DEV, "t", start + i * 1000L, Value.of(i * 1.5 - 7), null))
                .toList();
        List<Point> shuffled = new ArrayList<>(points);
        Collections.shuffle(shuffled, new Random(42));
        append(shuffled.subList(0, 10));
        append(shuffled.subList(10, 20));
        TimeRange range = new TimeRange(start, start + 20_000);

        List<Bucket> buckets = store.telemetryReader().buckets(DEV, "t", range, Duration.ofSeconds(10));
        assertThat(buckets).hasSize(2);
        for (int b = 0; b < 2; b++) {
            double[] in = points.subList(b * 10, b * 10 + 10).stream()
                    .mapToDouble(p -> ((Value.Num) p.value()).value())
                    .toArray();
            double mean = Arrays.stream(in).average().orElseThrow();
            Bucket bucket = buckets.get(b);
            assertThat(bucket.start()).isEqualTo(start + b * 10_000L);
            assertThat(bucket.count()).isEqualTo(10);
            for (Aggregation aggregation : Aggregation.values()) {
                double expected = switch (aggregation) {
                    case AVG -> mean;
                    case MIN -> Arrays.stream(in).min().orElseThrow();
                    case MAX -> Arrays.stream(in).max().orElseThrow();
                    case SUM -> Arrays.stream(in).sum();
                    case COUNT -> in.length;
                    case FIRST -> in[0];
                    case LAST -> in[in.length - 1];
                    case COUNT_TRUE -> 0;
                    // Two-pass, over the population, as the seed computes it.
                    case STDDEV ->
                        Math.sqrt(Arrays.stream(in)
                                        .map(v -> (v - mean) * (v - mean))
                                        .sum()
                                / in.length);
                };
                assertThat(((Value.Num) bucket.value(aggregation)).value())
                        .as(aggregation.wireName())
                        .isCloseTo(expected, Offset.offset(1e-9));
            }
        }
    }

    @Test
    void buckets_ofNonNumericValues_haveFirstLastAndCount_andNoNumericAggregates() {
        append(List.of(
                new Point(DEV, "mode", T0, Value.of("eco"), null),
                new Point(DEV, "mode", T0 + 1, Value.of("boost"), null)));
        Bucket bucket = store.telemetryReader()
                .buckets(DEV, "mode", new TimeRange(T0, T0 + 2), Duration.ofHours(1))
                .getFirst();
        assertThat(bucket.value(Aggregation.FIRST)).isEqualTo(Value.of("eco"));
        assertThat(bucket.value(Aggregation.LAST)).isEqualTo(Value.of("boost"));
        assertThat(bucket.value(Aggregation.COUNT)).isEqualTo(Value.of(2.0));
        assertThat(bucket.value(Aggregation.AVG)).isNull();
        assertThat(bucket.value(Aggregation.STDDEV)).isNull();
    }

    @Test
    void series_listsEachMetricWithUnitSpanAndCount() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        append(List.of(
                new Point(DEV, "temperature", T0 + 2000, Value.of(21.0), "°C"),
                new Point(DEV, "temperature", T0, Value.of(20.0), "°C"),
                new Point(DEV, "door", T0 + 500, Value.of(true), null),
                new Point(DeviceId.of("other"), "temperature", T0 + 9000, Value.of(1.0), "K")));
        assertThat(store.telemetryReader().series(DEV))
                .containsExactly(
                        new SeriesInfo("door", null, T0 + 500, T0 + 500, 1),
                        new SeriesInfo("temperature", "°C", T0, T0 + 2000, 2));
        assertThat(store.telemetryReader().series(DeviceId.of("nobody"))).isEmpty();
    }

    @Test
    void presence_followsTheBroker_butMaintenanceSticks() throws Exception {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        DeviceId other = DeviceId.of("dev-2");
        registry.register(NewDevice.of(other, DeviceType.SENSOR));
        store.devices().updatePresence(Map.of(DEV, DeviceStatus.ONLINE, other, DeviceStatus.ONLINE));
        assertThat(store.devices().find(DEV).orElseThrow().status()).isEqualTo(DeviceStatus.ONLINE);

        assertThat(store.devices().setStatus(other, DeviceStatus.MAINTENANCE)).isTrue();
        store.devices().updatePresence(Map.of(other, DeviceStatus.OFFLINE));
        assertThat(store.devices().find(other).orElseThrow().status()).isEqualTo(DeviceStatus.MAINTENANCE);

        store.devices().markAllOffline();
        assertThat(store.devices().find(DEV).orElseThrow().status()).isEqualTo(DeviceStatus.OFFLINE);
        assertThat(store.devices().find(other).orElseThrow().status()).isEqualTo(DeviceStatus.MAINTENANCE);
    }

    @Test
    void presence_recordsTheFinalStatusOfEveryDevice_whenAStormOfEventsIsCoalesced() {
        List<DeviceId> devices =
                IntStream.range(0, 300).mapToObj(i -> DeviceId.of("storm-" + i)).toList();
        devices.forEach(id -> registry.register(NewDevice.of(id, DeviceType.SENSOR)));
        try (Presence presence = new Presence(store.devices(), Duration.ofMillis(200), Threads.named("test"))) {
            presence.start();
            devices.forEach(presence::connected);
            // Every third device drops again, some before their ONLINE can have been written.
            for (int i = 0; i < devices.size(); i += 3) {
                presence.disconnected(devices.get(i));
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (int i = 0; i < devices.size(); i++) {
                    assertThat(store.devices()
                                    .find(devices.get(i))
                                    .orElseThrow()
                                    .status())
                            .as(devices.get(i).value())
                            .isEqualTo(i % 3 == 0 ? DeviceStatus.OFFLINE : DeviceStatus.ONLINE);
                }
            });
        }
    }

    @Test
    void errorStatus_sticksToo_untilAnOperatorClearsIt() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        store.devices().setStatus(DEV, DeviceStatus.ERROR);
        store.devices().updatePresence(Map.of(DEV, DeviceStatus.ONLINE));
        assertThat(store.devices().find(DEV).orElseThrow().status()).isEqualTo(DeviceStatus.ERROR);
        store.devices().setStatus(DEV, DeviceStatus.OFFLINE);
        store.devices().updatePresence(Map.of(DEV, DeviceStatus.ONLINE));
        assertThat(store.devices().find(DEV).orElseThrow().status()).isEqualTo(DeviceStatus.ONLINE);
        assertThat(store.devices().setStatus(DeviceId.of("ghost"), DeviceStatus.ERROR))
                .isFalse();
    }

    @Test
    void list_filtersByTypeStatusTagModelAndText_andPagesWithinTheFilter() {
        for (int i = 0; i < 6; i++) {
            registryAt(T0 + i)
                    .register(new NewDevice(
                            DeviceId.of("dev-" + i),
                            i % 2 == 0 ? "Boiler room " + i : "Lab " + i,
                            i < 3 ? DeviceType.SENSOR : DeviceType.ACTUATOR,
                            i == 4 ? "TH-2" : "TH-1",
                            null,
                            null,
                            null,
                            i % 2 == 0 ? Set.of("floor-1", "hvac") : Set.of("floor-2")));
        }
        store.devices().setStatus(DeviceId.of("dev-5"), DeviceStatus.MAINTENANCE);

        assertThat(ids(new DeviceFilter(DeviceType.ACTUATOR, null, null, null, null), 10, null))
                .containsExactly("dev-5", "dev-4", "dev-3");
        assertThat(ids(new DeviceFilter(null, DeviceStatus.MAINTENANCE, null, null, null), 10, null))
                .containsExactly("dev-5");
        assertThat(ids(new DeviceFilter(null, null, "hvac", null, null), 10, null))
                .containsExactly("dev-4", "dev-2", "dev-0");
        assertThat(ids(new DeviceFilter(null, null, null, "TH-2", null), 10, null))
                .containsExactly("dev-4");
        assertThat(ids(new DeviceFilter(null, null, null, null, "BOILER"), 10, null))
                .as("name, any case")
                .containsExactly("dev-4", "dev-2", "dev-0");
        assertThat(ids(new DeviceFilter(null, null, null, null, "v-3"), 10, null))
                .as("id substring")
                .containsExactly("dev-3");
        assertThat(ids(new DeviceFilter(null, null, null, null, "%"), 10, null))
                .as("LIKE wildcards are literal")
                .isEmpty();
        assertThat(ids(new DeviceFilter(DeviceType.SENSOR, null, "hvac", null, null), 1, DeviceId.of("dev-2")))
                .as("cursor within a filter")
                .containsExactly("dev-0");
    }

    private List<String> ids(DeviceFilter filter, int limit, DeviceId after) {
        return store.devices().list(filter, limit, after).stream()
                .map(d -> d.id().value())
                .toList();
    }

    @Test
    void update_changesTheRecordAndItsTags_notStatusOrTimes() {
        registry.register(
                new NewDevice(DEV, "Old", DeviceType.SENSOR, "TH-1", "1.0", "lab", Map.of("a", 1), Set.of("old")));
        Device current = store.devices().find(DEV).orElseThrow();
        Device changed = new Device(
                DEV,
                "New",
                DeviceType.SENSOR,
                "TH-2",
                "1.1",
                DeviceStatus.MAINTENANCE,
                null,
                null,
                Instant.ofEpochMilli(1),
                Map.of("b", 2),
                Set.of("new", "hvac"));
        assertThat(store.devices().update(changed)).isTrue();

        Device stored = store.devices().find(DEV).orElseThrow();
        assertThat(stored.name()).isEqualTo("New");
        assertThat(stored.model()).isEqualTo("TH-2");
        assertThat(stored.firmwareVersion()).isEqualTo("1.1");
        assertThat(stored.location()).isNull();
        assertThat(stored.metadata()).isEqualTo(Map.of("b", 2));
        assertThat(stored.tags()).containsExactlyInAnyOrder("new", "hvac");
        assertThat(stored.status()).isEqualTo(current.status());
        assertThat(stored.registeredAt()).isEqualTo(current.registeredAt());
        assertThat(ids(new DeviceFilter(null, null, "old", null, null), 10, null))
                .isEmpty();
        assertThat(ids(new DeviceFilter(null, null, "hvac", null, null), 10, null))
                .containsExactly("dev-1");
        assertThat(store.devices()
                        .update(new Device(
                                DeviceId.of("ghost"),
                                null,
                                DeviceType.SENSOR,
                                null,
                                null,
                                DeviceStatus.OFFLINE,
                                null,
                                null,
                                Instant.EPOCH,
                                null,
                                null)))
                .isFalse();
    }

    @Test
    void replaceSecret_oldSecretStopsWorking() {
        Registration registration = registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        Registration rotated = registry.rotateCredentials(DEV.value());
        assertThat(rotated.secret()).isNotEqualTo(registration.secret());
        assertThat(registry.authenticate(DEV, registration.secret())).isEmpty();
        assertThat(registry.authenticate(DEV, rotated.secret())).isPresent();
        assertThat(registry.authenticateToken(registration.secret())).isEmpty();
        assertThat(registry.authenticateToken(rotated.secret()))
                .hasValueSatisfying(d -> assertThat(d.id()).isEqualTo(DEV));
        assertThat(registry.preSharedKey(DEV)).hasValue(rotated.coapPsk());
    }

    @Test
    void authenticateToken_findsTheDeviceByItsSecretAlone() {
        Registration first = registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        Registration second = registry.register(NewDevice.of(DeviceId.of("other-device"), DeviceType.ACTUATOR));
        assertThat(registry.authenticateToken(first.secret()))
                .hasValueSatisfying(d -> assertThat(d.id()).isEqualTo(DEV));
        assertThat(registry.authenticateToken(second.secret())).hasValueSatisfying(d -> {
            assertThat(d.id().value()).isEqualTo("other-device");
            assertThat(d.type()).isEqualTo(DeviceType.ACTUATOR);
        });
        assertThat(registry.authenticateToken(first.secret() + "x")).isEmpty();
        assertThat(registry.authenticateToken("")).isEmpty();
        assertThat(registry.preSharedKey(DEV)).hasValue(first.coapPsk());
        assertThat(first.coapPsk()).hasSize(64).isNotEqualTo(second.coapPsk()).doesNotContain(first.secret());
        assertThat(registry.preSharedKey(DeviceId.of("nobody"))).isEmpty();
    }

    @Test
    void delete_removesDeviceCredentialsTagsAndTelemetry_andNothingElse() {
        Registration registration =
                registry.register(new NewDevice(DEV, null, DeviceType.SENSOR, null, null, null, null, Set.of("t")));
        DeviceId other = DeviceId.of("dev-2");
        registry.register(NewDevice.of(other, DeviceType.SENSOR));
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null), new Point(other, "t", T0, Value.of(2), null)));

        registry.delete(DEV.value());
        assertThat(store.devices().find(DEV)).isEmpty();
        assertThat(store.devices().secretHash(DEV)).isEmpty();
        assertThat(registry.authenticate(DEV, registration.secret())).isEmpty();
        assertThat(ids(new DeviceFilter(null, null, "t", null, null), 10, null)).isEmpty();
        assertThat(store.telemetryReader().raw(DEV, "t", new TimeRange(0, Long.MAX_VALUE), 10))
                .isEmpty();
        assertThat(store.telemetryReader().latest(DEV)).isEmpty();
        assertThat(store.telemetryReader().raw(other, "t", new TimeRange(0, Long.MAX_VALUE), 10))
                .hasSize(1);
        assertThat(store.devices().delete(DEV)).isFalse();
        assertThatThrownBy(() -> registry.delete(DEV.value())).isInstanceOf(DeviceNotFoundException.class);
    }

    /** Deletion is an event each store handles; one that fails stops it, and the device stays whole so it can be retried. */
    @Test
    void delete_whoseListenerFails_keepsTheDeviceAndItsCredentials_andSucceedsOnRetry() {
        Registration registration = registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        append(List.of(new Point(DEV, "t", T0, Value.of(1), null)));
        AtomicBoolean fail = new AtomicBoolean(true);
        registry.addDeletionListener(id -> {
            if (fail.get()) {
                throw new IllegalStateException("rollup store unavailable");
            }
        });

        assertThatThrownBy(() -> registry.delete(DEV.value())).hasMessageContaining("rollup store unavailable");
        assertThat(store.devices().find(DEV)).isPresent();
        assertThat(registry.authenticate(DEV, registration.secret())).isPresent();

        fail.set(false);
        registry.delete(DEV.value());
        assertThat(store.devices().find(DEV)).isEmpty();
        assertThat(store.telemetryReader().latest(DEV)).isEmpty();
        assertThat(registry.authenticate(DEV, registration.secret())).isEmpty();
    }

    @Test
    void touchLastSeen_onlyMovesForward() {
        registry.register(NewDevice.of(DEV, DeviceType.SENSOR));
        store.devices().touchLastSeen(Map.of(DEV, T0 + 100));
        store.devices().touchLastSeen(Map.of(DEV, T0 + 50, DeviceId.of("ghost"), T0));
        assertThat(store.devices().find(DEV).orElseThrow().lastSeen()).isEqualTo(Instant.ofEpochMilli(T0 + 100));
    }

    @Test
    void census_countsByStatusAndType_andExportsEveryCombination() {
        registry.register(NewDevice.of(DeviceId.of("s1"), DeviceType.SENSOR));
        registry.register(NewDevice.of(DeviceId.of("s2"), DeviceType.SENSOR));
        registry.register(NewDevice.of(DeviceId.of("g1"), DeviceType.GATEWAY));
        store.devices().updatePresence(Map.of(DeviceId.of("s2"), DeviceStatus.ONLINE));
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var census = new io.edgeward.core.device.DeviceCensus(
                store.devices(), meters, Duration.ofHours(1), Threads.named("test"));
        census.refresh();
        assertThat(meters.get("iot.device")
                        .tags("status", "offline", "type", "sensor")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(meters.get("iot.device")
                        .tags("status", "online", "type", "sensor")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(meters.get("iot.device")
                        .tags("status", "offline", "type", "gateway")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(meters.get("iot.device")
                        .tags("status", "maintenance", "type", "actuator")
                        .gauge()
                        .value())
                .isZero();
        assertThat(meters.find("iot.device").gauges()).hasSize(12);
    }
}
