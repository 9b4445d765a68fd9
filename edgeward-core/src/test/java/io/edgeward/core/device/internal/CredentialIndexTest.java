package io.edgeward.core.device.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.Credential;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CredentialIndexTest {

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger loads = new AtomicInteger();
    private final List<Credential> stored = new ArrayList<>(List.of(credential("a", "secret-a")));
    private final CredentialIndex index = new CredentialIndex(
            () -> {
                loads.incrementAndGet();
                return List.copyOf(stored);
            },
            now::get);

    private static Credential credential(String id, String secret) {
        return new Credential(DeviceId.of(id), DeviceType.SENSOR, Secrets.hash(secret));
    }

    @Test
    void lookups_areAnsweredFromOneLoad_byIdAndByHash() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(index.byId(DeviceId.of("a"))).isPresent();
            assertThat(index.bySecretHash(Secrets.hash("made-up-" + i))).isEmpty();
        }
        assertThat(index.bySecretHash(Secrets.hash("secret-a")))
                .hasValueSatisfying(c -> assertThat(c.id().value()).isEqualTo("a"));
        assertThat(loads).hasValue(1);
    }

    @Test
    void changesThroughTheRegistry_areSeenAtOnce_andAnOldSecretStopsWorking() {
        index.byId(DeviceId.of("a"));
        index.put(credential("a", "rotated"));
        index.put(credential("b", "secret-b"));
        assertThat(index.bySecretHash(Secrets.hash("secret-a"))).isEmpty();
        assertThat(index.bySecretHash(Secrets.hash("rotated"))).isPresent();
        assertThat(index.byId(DeviceId.of("b"))).isPresent();
        index.remove(DeviceId.of("b"));
        assertThat(index.byId(DeviceId.of("b"))).isEmpty();
        assertThat(index.bySecretHash(Secrets.hash("secret-b"))).isEmpty();
        assertThat(loads).hasValue(1);
    }

    @Test
    void storeFallbacks_areLimitedPerSecond() {
        int allowed = 0;
        for (int i = 0; i < 10_000; i++) {
            if (index.mayAskStore()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(CredentialIndex.FALLBACKS_PER_SECOND);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(index.mayAskStore()).isTrue();
    }

    @Test
    void changesMadeElsewhere_arriveWithTheNextReload() {
        index.byId(DeviceId.of("a"));
        stored.add(credential("c", "secret-c"));
        assertThat(index.byId(DeviceId.of("c"))).isEmpty();
        now.addAndGet(CredentialIndex.RELOAD_AFTER_NANOS);
        assertThat(index.byId(DeviceId.of("c"))).isPresent();
        assertThat(loads).hasValue(2);
    }
}
