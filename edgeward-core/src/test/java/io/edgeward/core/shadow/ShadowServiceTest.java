package io.edgeward.core.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceFilter;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRepository;
import io.edgeward.core.device.DeviceStatus;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.lifecycle.Threads;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Shadow semantics on an in-memory repository (the SQL adapters have their own contract tests). */
class ShadowServiceTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final DeviceId DEV = DeviceId.of("d1");

    final MemoryShadows repository = new MemoryShadows();
    final List<ShadowUpdate> published = new ArrayList<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ShadowService service = service(ShadowSettings.defaults());

    ShadowService service(ShadowSettings settings) {
        ShadowService s = new ShadowService(
                repository,
                new OneDevice(),
                settings,
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC),
                meters,
                Threads.named("test"));
        s.addListener(published::add);
        s.start();
        return s;
    }

    ShadowUpdate update(String request) {
        return service.update(DEV, request.getBytes(), ChangedBy.DEVICE);
    }

    @Test
    void firstUpdate_isVersion1_withMetadataPerLeaf() throws Exception {
        ShadowUpdate update = update("""
                {"state":{"desired":{"a":{"b":1}},"reported":{"c":true}},"clientToken":"x"}""");
        assertThat(update.current().version()).isEqualTo(1);
        assertThat(update.previous().version()).isZero();
        assertThat(update.current().desiredMetadata().toString()).isEqualTo("""
                {"a":{"b":{"timestamp":1700000000}}}""");
        assertThat(update.accepted().at("/clientToken").asText()).isEqualTo("x");
        assertThat(update.accepted().at("/metadata/reported/c/timestamp").asLong())
                .isEqualTo(1_700_000_000);
        assertThat(published).containsExactly(update);
    }

    @Test
    void delta_holdsOnlyDesiredValuesThatDiffer_recursively() throws Exception {
        update("""
                {"state":{"reported":{"t":20,"mode":"eco","net":{"ssid":"a","ch":1}}}}""");
        ShadowUpdate update = update("""
                {"state":{"desired":{"t":22,"mode":"eco","net":{"ssid":"a","ch":6},"new":[1]}}}""");
        assertThat(update.current().delta()).isEqualTo(JSON.readTree("""
                {"t":22,"net":{"ch":6},"new":[1]}"""));
        assertThat(update.deltaChanged()).isTrue();
        ShadowUpdate synced = update("""
                {"state":{"reported":{"t":22,"net":{"ch":6},"new":[1]}}}""");
        assertThat(synced.current().delta().isEmpty()).isTrue();
        assertThat(synced.deltaChanged()).as("an empty delta is not sent").isFalse();
    }

    @Test
    void numbersCompareByValue_soTelemetryDoublesMatchDesiredIntegers() throws Exception {
        update("""
                {"state":{"desired":{"t":22}}}""");
        ShadowUpdate reported =
                service.report(DEV, JSON.createObjectNode().put("t", 22.0)).orElseThrow();
        assertThat(reported.current().delta().isEmpty()).isTrue();
        assertThat(service.report(DEV, JSON.createObjectNode().put("t", 22L)))
                .as("the same value again")
                .isEmpty();
    }

    @Test
    void desiredNull_clearsAllDesired() {
        update("""
                {"state":{"desired":{"t":22}}}""");
        ShadowUpdate cleared = update("""
                {"state":{"desired":null}}""");
        assertThat(cleared.current().desired().isEmpty()).isTrue();
        assertThat(cleared.current().desiredMetadata().isEmpty()).isTrue();
        assertThat(cleared.accepted().at("/state/desired").isNull()).isTrue();
    }

    @Test
    void versionMismatch_is409_withCurrentVersion_andNothingIsWritten() {
        update("""
                {"state":{"reported":{"t":1}}}""");
        assertThatThrownBy(() -> update("""
                {"state":{"reported":{"t":2}},"version":0}""")).isInstanceOfSatisfying(ShadowException.class, e -> {
            assertThat(e.code()).isEqualTo(409);
            assertThat(e.currentVersion()).isEqualTo(1);
        });
        assertThat(repository.saves).isEqualTo(1);
        assertThat(meters.counter("edgeward.shadow.rejected", "code", "409").count())
                .isEqualTo(1);
    }

    @Test
    void invalidRequests_are400_withAReason() {
        assertThat(code("")).isEqualTo(400);
        assertThat(code("[1]")).isEqualTo(400);
        assertThat(code("""
                {"state":{}}""")).isEqualTo(400);
        assertThat(code("""
                {"state":{"reported":5}}""")).isEqualTo(400);
        assertThat(code("""
                {"state":{"mood":{}}}""")).isEqualTo(400);
        assertThat(code("""
                {"state":{"reported":{}},"extra":1}""")).isEqualTo(400);
        assertThat(code("""
                {"state":{"reported":{}},"version":-1}""")).isEqualTo(400);
        assertThat(code("""
                {"state":{"reported":{}},"version":1.5}""")).isEqualTo(400);
        assertThat(code("{\"state\":{\"reported\":{}},\"clientToken\":\"" + "x".repeat(65) + "\"}"))
                .isEqualTo(400);
        assertThat(repository.saves).isZero();
    }

    @Test
    void depthLimit_countsNestingLevels() {
        update("""
                {"state":{"reported":{"1":{"2":{"3":{"4":{"5":{"6":true}}}}}}}}""");
        assertThat(code("""
                {"state":{"reported":{"1":{"2":{"3":{"4":{"5":{"6":{"7":true}}}}}}}}}""")).isEqualTo(400);
        assertThat(code("""
                {"state":{"reported":{"1":{"2":{"3":{"4":{"5":[[1]]}}}}}}}""")).as("arrays are levels too").isEqualTo(400);
    }

    @Test
    void sizeLimit_appliesToTheMergedState_413() {
        ShadowService small = service(new ShadowSettings(300, 6, 10, Set.of(), Duration.ofSeconds(1)));
        small.update(
                DEV, ("{\"state\":{\"reported\":{\"a\":\"" + "x".repeat(100) + "\"}}}").getBytes(), ChangedBy.DEVICE);
        assertThatThrownBy(() -> small.update(
                        DEV,
                        ("{\"state\":{\"reported\":{\"b\":\"" + "y".repeat(200) + "\"}}}").getBytes(),
                        ChangedBy.DEVICE))
                .isInstanceOfSatisfying(
                        ShadowException.class, e -> assertThat(e.code()).isEqualTo(413));
        assertThat(small.get(DEV).reported().has("b")).isFalse();
    }

    @Test
    void unknownDevice_is404() {
        assertThatThrownBy(() -> service.update(DeviceId.of("ghost"), """
                {"state":{"reported":{}}}""".getBytes(), ChangedBy.DEVICE))
                .isInstanceOfSatisfying(
                        ShadowException.class, e -> assertThat(e.code()).isEqualTo(404));
        assertThatThrownBy(() -> service.get(DeviceId.of("ghost"))).isInstanceOf(ShadowException.class);
    }

    @Test
    void report_skipsWrites_whenTheValuesAreAlreadyThere() {
        ObjectNode reported = JSON.createObjectNode().put("t", 21.5);
        assertThat(service.report(DEV, reported)).isPresent();
        assertThat(service.report(DEV, reported.deepCopy())).isEmpty();
        assertThat(repository.saves).isEqualTo(1);
    }

    @Test
    void reporter_foldsABurstIntoOneWrite_withTheNewestValuePerMetric() {
        ShadowService onlyTemperature =
                service(new ShadowSettings(8192, 6, 10, Set.of("temperature"), Duration.ofSeconds(1)));
        ShadowReporter reporter = new ShadowReporter(onlyTemperature, Threads.named("test"));
        for (int i = 0; i < 50; i++) {
            reporter.accept(List.of(
                    new Point(DEV, "temperature", 1_000 + i, Value.of(20 + i), "C"),
                    new Point(DEV, "humidity", 1_000 + i, Value.of(40), "%")));
        }
        reporter.accept(List.of(new Point(DEV, "temperature", 10, Value.of(-1), "C"))); // older: loses
        reporter.flush();
        assertThat(repository.saves).isEqualTo(1);
        assertThat(onlyTemperature.get(DEV).reported())
                .isEqualTo(JSON.createObjectNode().put("temperature", 69.0));
        assertThat(onlyTemperature.history(DEV, Long.MAX_VALUE, 5))
                .first()
                .satisfies(v -> assertThat(v.changedBy()).isEqualTo(ChangedBy.TELEMETRY));
        reporter.flush();
        assertThat(repository.saves).as("nothing new, nothing written").isEqualTo(1);
    }

    private int code(String request) {
        try {
            update(request);
            return 200;
        } catch (ShadowException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.code();
        }
    }

    /** One registered device. */
    static final class OneDevice implements DeviceRepository {
        @Override
        public Optional<Device> find(DeviceId id) {
            return id.equals(DEV)
                    ? Optional.of(new Device(
                            DEV,
                            null,
                            DeviceType.SENSOR,
                            null,
                            null,
                            DeviceStatus.OFFLINE,
                            null,
                            null,
                            Instant.EPOCH,
                            null,
                            null))
                    : Optional.empty();
        }

        @Override
        public void insert(Device device, String secretHash) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> secretHash(DeviceId id) {
            return Optional.empty();
        }

        @Override
        public Optional<Device> findBySecretHash(String secretHash) {
            return Optional.empty();
        }

        @Override
        public List<io.edgeward.core.device.Credential> credentials() {
            return List.of();
        }

        @Override
        public List<Device> list(DeviceFilter filter, int limit, DeviceId after) {
            return List.of();
        }

        @Override
        public boolean update(Device device) {
            return false;
        }

        @Override
        public boolean setStatus(DeviceId id, DeviceStatus status) {
            return false;
        }

        @Override
        public boolean replaceSecret(DeviceId id, String secretHash, Instant at) {
            return false;
        }

        @Override
        public boolean delete(DeviceId id) {
            return false;
        }

        @Override
        public void touchLastSeen(Map<DeviceId, Long> lastSeen) {}

        @Override
        public long count() {
            return 1;
        }

        @Override
        public void updatePresence(Map<DeviceId, DeviceStatus> statuses) {}

        @Override
        public Map<DeviceStatus, Map<DeviceType, Long>> countByStatusAndType() {
            return Map.of();
        }

        @Override
        public void markAllOffline() {}
    }

    /** Versions in a map, with the compare-and-set of the real stores. */
    static final class MemoryShadows implements ShadowRepository {
        final Map<DeviceId, Shadow> current = new HashMap<>();
        final List<ShadowVersion> history = new ArrayList<>();
        int saves;

        @Override
        public synchronized Optional<Shadow> find(DeviceId device) {
            return Optional.ofNullable(current.get(device));
        }

        @Override
        public synchronized List<Boolean> saveAll(List<ShadowSave> batch) {
            List<Boolean> results = new ArrayList<>();
            for (ShadowSave save : batch) {
                Shadow stored = current.get(save.next().device());
                boolean won =
                        (stored == null ? 0 : stored.version()) == save.next().version() - 1;
                if (won) {
                    current.put(save.next().device(), save.next());
                    history.add(0, new ShadowVersion(save.next(), save.changedBy(), save.clientToken()));
                    saves++;
                }
                results.add(won);
            }
            return results;
        }

        @Override
        public List<ShadowVersion> history(DeviceId device, long beforeVersion, int limit) {
            return history.stream()
                    .filter(v -> v.shadow().version() < beforeVersion)
                    .limit(limit)
                    .toList();
        }
    }
}
