package io.edgeward.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TimeBufferTest {

    @Test
    void holdsWhatASortedMapHolds_throughLatePointsReplacementsDropsAndGrowth() {
        Random random = new Random(20);
        TimeBuffer buffer = new TimeBuffer();
        TreeMap<Long, Double> reference = new TreeMap<>();
        long now = 0;
        for (int i = 0; i < 20_000; i++) {
            // Mostly in order, some late, some at a time already held.
            long time = random.nextInt(10) == 0 ? now - random.nextInt(50) : (now += 1 + random.nextInt(3));
            double value = random.nextDouble();
            buffer.put(time, value);
            reference.put(time, value);
            if (i % 500 == 499) {
                long cut = now - 200;
                buffer.dropBefore(cut);
                reference.headMap(cut).clear();
            }
            if (i % 97 == 0) {
                assertThat(contents(buffer, Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(entries(reference));
                long from = now - 100;
                long to = now - 30;
                assertThat(contents(buffer, from, to)).isEqualTo(entries(reference.subMap(from, to)));
            }
        }
    }

    @Test
    void droppingEverything_leavesItEmpty_andReusable() {
        TimeBuffer buffer = new TimeBuffer();
        buffer.put(5, 1);
        buffer.put(3, 2);
        assertThat(buffer.firstTime()).isEqualTo(3);
        buffer.dropBefore(6);
        assertThat(buffer.isEmpty()).isTrue();
        buffer.put(1, 7);
        assertThat(contents(buffer, 0, 10)).containsExactly(Map.entry(1L, 7.0));
    }

    private static List<Map.Entry<Long, Double>> contents(TimeBuffer buffer, long from, long to) {
        List<Map.Entry<Long, Double>> entries = new ArrayList<>();
        if (buffer.isEmpty()) {
            return entries;
        }
        for (int i = buffer.from(from); i < buffer.from(to); i++) {
            entries.add(Map.entry(buffer.time(i), buffer.value(i)));
        }
        return entries;
    }

    private static List<Map.Entry<Long, Double>> entries(Map<Long, Double> map) {
        return new ArrayList<>(map.entrySet());
    }
}
