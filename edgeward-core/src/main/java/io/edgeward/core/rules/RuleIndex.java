package io.edgeward.core.rules;

import io.edgeward.core.device.Device;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The enabled rules by the devices they select: rules that name their devices exactly are found by
 * the device's id, the others (patterns, type, tags, or none) are tried one by one. Finding a
 * device's rules costs one lookup for a fleet of per-device rules, not one match per rule.
 */
final class RuleIndex {

    static final RuleIndex EMPTY = new RuleIndex(List.of());

    private final Map<String, List<CompiledRule>> byDevice = new HashMap<>();
    private final List<CompiledRule> general = new ArrayList<>();

    RuleIndex(Collection<CompiledRule> rules) {
        for (CompiledRule rule : rules) {
            List<String> devices = rule.rule().selector().devices();
            if (!devices.isEmpty() && devices.stream().noneMatch(d -> d.contains("*"))) {
                for (String device : devices) {
                    byDevice.computeIfAbsent(device, d -> new ArrayList<>()).add(rule);
                }
            } else {
                general.add(rule);
            }
        }
    }

    /** The rules that select the device, by id. */
    List<CompiledRule> select(Device device) {
        List<CompiledRule> named = byDevice.getOrDefault(device.id().value(), List.of());
        List<CompiledRule> selected = new ArrayList<>(named.size() + 1);
        for (CompiledRule rule : named) {
            if (rule.rule().selector().matches(device)) { // its type and tags, if it gives them
                selected.add(rule);
            }
        }
        for (CompiledRule rule : general) {
            if (rule.rule().selector().matches(device)) {
                selected.add(rule);
            }
        }
        selected.sort(Comparator.comparing(CompiledRule::id));
        return selected;
    }
}
