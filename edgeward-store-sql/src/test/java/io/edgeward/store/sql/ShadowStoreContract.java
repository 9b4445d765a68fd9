package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.shadow.ChangedBy;
import io.edgeward.core.shadow.Shadow;
import io.edgeward.core.shadow.ShadowRepository;
import io.edgeward.core.shadow.ShadowVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link ShadowRepository}; every dialect runs it. */
abstract class ShadowStoreContract {

    static final DeviceId DEV = DeviceId.of("dev-1");
    static final ObjectMapper JSON = new ObjectMapper();

    SqlStore store;
    ShadowRepository shadows;

    abstract SqlStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
        shadows = store.shadows();
        StoreContractTest.registry(store, 0).register(NewDevice.of(DEV, DeviceType.ACTUATOR));
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    static Shadow version(long version, String reported) throws Exception {
        return new Shadow(
                DEV,
                (ObjectNode) JSON.readTree("""
                {"target":22}"""),
                (ObjectNode) JSON.readTree(reported),
                (ObjectNode) JSON.readTree("""
                        {"target":{"timestamp":1}}"""),
                null,
                version,
                1_000 + version);
    }

    @Test
    void save_firstVersion_thenFindReturnsEveryPart() throws Exception {
        assertThat(shadows.find(DEV)).isEmpty();
        assertThat(shadows.save(version(1, """
                {"t":1}"""), ChangedBy.DEVICE, "tok", 10)).isTrue();
        Shadow found = shadows.find(DEV).orElseThrow();
        assertThat(found.version()).isEqualTo(1);
        assertThat(found.timestamp()).isEqualTo(1_001);
        assertThat(found.desired()).isEqualTo(JSON.readTree("""
                {"target":22}"""));
        assertThat(found.reported()).isEqualTo(JSON.readTree("""
                {"t":1}"""));
        assertThat(found.desiredMetadata()).isEqualTo(JSON.readTree("""
                {"target":{"timestamp":1}}"""));
    }

    @Test
    void save_staleVersion_isRefused_andWritesNothing() throws Exception {
        shadows.save(version(1, """
                {"t":1}"""), ChangedBy.DEVICE, null, 10);
        shadows.save(version(2, """
                {"t":2}"""), ChangedBy.DEVICE, null, 10);
        assertThat(shadows.save(version(2, """
                {"t":99}"""), ChangedBy.OPERATOR, null, 10)).isFalse();
        assertThat(shadows.save(version(1, """
                {"t":99}"""), ChangedBy.OPERATOR, null, 10))
                .as("a second first version")
                .isFalse();
        assertThat(shadows.find(DEV).orElseThrow().reported().get("t").asInt()).isEqualTo(2);
        assertThat(shadows.history(DEV, Long.MAX_VALUE, 10)).hasSize(2);
    }

    @Test
    void concurrentWriters_ofTheSameVersion_exactlyOneWins() throws Exception {
        shadows.save(version(1, """
                {"t":1}"""), ChangedBy.DEVICE, null, 10);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Boolean>> writers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int n = i;
                writers.add(() -> shadows.save(version(2, "{\"t\":" + (10 + n) + "}"), ChangedBy.DEVICE, null, 10));
            }
            int wins = 0;
            for (Future<Boolean> result : pool.invokeAll(writers)) {
                wins += result.get() ? 1 : 0;
            }
            assertThat(wins).isEqualTo(1);
        } finally {
            pool.shutdown();
        }
        assertThat(shadows.find(DEV).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void history_newestFirst_withWhoAndToken_pagedByVersion_andBoundedByRetention() throws Exception {
        for (int v = 1; v <= 6; v++) {
            shadows.save(
                    version(v, "{\"t\":" + v + "}"), v % 2 == 0 ? ChangedBy.OPERATOR : ChangedBy.TELEMETRY, "c" + v, 4);
        }
        List<ShadowVersion> history = shadows.history(DEV, Long.MAX_VALUE, 10);
        assertThat(history).extracting(h -> h.shadow().version()).containsExactly(6L, 5L, 4L, 3L);
        assertThat(history.get(0).changedBy()).isEqualTo(ChangedBy.OPERATOR);
        assertThat(history.get(1).changedBy()).isEqualTo(ChangedBy.TELEMETRY);
        assertThat(history.get(0).clientToken()).isEqualTo("c6");
        assertThat(history.get(2).shadow().reported().get("t").asInt()).isEqualTo(4);
        assertThat(shadows.history(DEV, 5, 2))
                .extracting(h -> h.shadow().version())
                .containsExactly(4L, 3L);
    }

    @Test
    void deletingTheDevice_deletesItsShadowAndHistory() throws Exception {
        shadows.save(version(1, """
                {"t":1}"""), ChangedBy.DEVICE, null, 10);
        assertThat(store.devices().delete(DEV)).isTrue();
        assertThat(shadows.find(DEV)).isEmpty();
        assertThat(shadows.history(DEV, Long.MAX_VALUE, 10)).isEmpty();
    }
}
