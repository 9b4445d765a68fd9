package io.edgeward.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.SeriesSelector;
import io.edgeward.core.telemetry.StreamRecord;
import io.edgeward.core.telemetry.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A series' windows reopened from more stored points than one page of the replay: the windows the
 * pages complete close as they are read, each with every stored point in it. The stored points are
 * an in-memory map here (the contract suites run the same over SQLite and PostgreSQL with fewer points).
 */
class WindowStateTest {

    static final DeviceId DEV = DeviceId.of("dev");
    static final long T0 = 1_760_000_000_000L;

    @Test
    void aReplayLongerThanAPage_closesEveryWindowOnce_withEveryStoredPoint() {
        TreeMap<Long, Point> stored = new TreeMap<>();
        int points = 130_000; // 1 ms apart: 130 windows of a second, over two pages and a half
        for (long i = 0; i < points; i++) {
            stored.put(T0 + i, new Point(DEV, "seq", T0 + i, Value.of(1), null));
        }
        WindowSpec spec = new WindowSpec(
                "w",
                new SeriesSelector("seq", null, null, null),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                List.of(WindowFunction.COUNT),
                Duration.ZERO);
        Point first = new Point(DEV, "seq", T0 + points, Value.of(1), null);
        Emitter out = new Emitter();

        WindowState state = WindowState.restore(
                spec, new MapHistory(stored), Map.of(), first, new ProcessingMetrics(new SimpleMeterRegistry()), out);
        state.add(first);
        state.closeUpTo(first.timestamp(), out);

        List<Point> counts = out.result().derived();
        assertThat(counts).hasSize(points / 1000);
        for (int i = 0; i < counts.size(); i++) {
            assertThat(counts.get(i).timestamp()).isEqualTo(T0 + i * 1000L);
            assertThat(counts.get(i).value()).isEqualTo(Value.of(1000));
        }
    }

    private record MapHistory(TreeMap<Long, Point> points) implements History {
        @Override
        public Optional<Device> device(DeviceId id) {
            return Optional.empty();
        }

        @Override
        public Optional<StreamRecord> last(String source, DeviceId device, String metric) {
            return Optional.empty();
        }

        @Override
        public Map<String, Point> latest(DeviceId device) {
            return Map.of();
        }

        @Override
        public List<Point> raw(DeviceId device, String metric, long from, long to, int limit) {
            List<Point> page = new ArrayList<>();
            for (Point point : points.subMap(from, to).values()) {
                if (page.size() == limit) {
                    break;
                }
                page.add(point);
            }
            return page;
        }
    }
}
