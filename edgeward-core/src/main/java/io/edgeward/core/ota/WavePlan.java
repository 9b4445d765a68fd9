package io.edgeward.core.ota;

import java.util.ArrayList;
import java.util.List;

/**
 * How a rollout's devices are split into waves and when it moves on: a canary wave of {@code
 * canary} devices (none when 0), then {@code groups} (each a percentage of all targeted devices or
 * a count; the last wave takes whatever remains). A wave in which {@code successThreshold} percent
 * of the jobs completed lets the next one start, at once ({@code autoAdvance}) or when approved;
 * one in which more than {@code errorThreshold} percent failed stops the rollout.
 */
public record WavePlan(int canary, List<Group> groups, int successThreshold, int errorThreshold, boolean autoAdvance) {

    /** One wave's size: {@code percent} of the targeted devices, or {@code count} devices. */
    public record Group(Integer percent, Integer count) {
        public Group {
            if ((percent == null) == (count == null)) {
                throw new IllegalArgumentException("a wave has either percent or count");
            }
            if (percent != null && (percent < 1 || percent > 100)) {
                throw new IllegalArgumentException("a wave's percent must be 1 to 100");
            }
            if (count != null && count < 1) {
                throw new IllegalArgumentException("a wave's count must be at least 1");
            }
        }
    }

    /** Everything in one wave; the rollout stops when more than half fail. */
    public static final WavePlan DEFAULT = new WavePlan(0, List.of(new Group(100, null)), 100, 50, true);

    public WavePlan {
        groups = groups == null || groups.isEmpty() ? List.of(new Group(100, null)) : List.copyOf(groups);
        if (canary < 0) {
            throw new IllegalArgumentException("canary must not be negative");
        }
        if (groups.size() > 100) {
            throw new IllegalArgumentException("at most 100 waves");
        }
        if (successThreshold < 1 || successThreshold > 100) {
            throw new IllegalArgumentException("success_threshold must be 1 to 100 (percent)");
        }
        if (errorThreshold < 0 || errorThreshold > 100) {
            throw new IllegalArgumentException("error_threshold must be 0 to 100 (percent)");
        }
    }

    /**
     * The size of each wave for {@code devices} targeted devices: the canary, then each group (a
     * percentage rounded up), the last wave taking the rest; empty waves are left out.
     */
    public List<Integer> sizes(int devices) {
        List<Integer> sizes = new ArrayList<>();
        int left = devices;
        int canaryWave = Math.min(canary, left);
        if (canaryWave > 0) {
            sizes.add(canaryWave);
            left -= canaryWave;
        }
        for (int i = 0; i < groups.size() && left > 0; i++) {
            Group group = groups.get(i);
            int size = i == groups.size() - 1
                    ? left
                    : Math.min(
                            left,
                            group.count() != null ? group.count() : (int) Math.ceil(devices * group.percent() / 100.0));
            sizes.add(size);
            left -= size;
        }
        return sizes;
    }
}
