package io.edgeward.core.rules;

import io.edgeward.core.device.Device;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.telemetry.SeriesSelector;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which devices a rule watches: ids or id patterns ({@code pump-*}), a type and tags, all of those
 * given (a device must carry every tag). An empty selector matches every device. A class rather
 * than a record: its globs are compiled once, as every device is matched against every rule.
 */
public final class DeviceSelector {

    public static final DeviceSelector ANY = new DeviceSelector(List.of(), null, Set.of());

    private final List<String> devices;
    private final DeviceType type;
    private final Set<String> tags;
    private final List<Pattern> patterns;

    /**
     * @param devices ids or globs; empty for any
     * @param type the device type, or null for any
     * @param tags tags every matched device carries
     */
    public DeviceSelector(List<String> devices, DeviceType type, Set<String> tags) {
        this.devices = devices == null ? List.of() : List.copyOf(devices);
        this.type = type;
        this.tags = tags == null ? Set.of() : Set.copyOf(tags);
        this.patterns = this.devices.stream().map(SeriesSelector::glob).toList();
    }

    public boolean matches(Device device) {
        if (type != null && device.type() != type) {
            return false;
        }
        if (!device.tags().containsAll(tags)) {
            return false;
        }
        if (patterns.isEmpty()) {
            return true;
        }
        String id = device.id().value();
        for (Pattern pattern : patterns) {
            if (pattern.matcher(id).matches()) {
                return true;
            }
        }
        return false;
    }

    public List<String> devices() {
        return devices;
    }

    public DeviceType type() {
        return type;
    }

    public Set<String> tags() {
        return tags;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeviceSelector that
                && devices.equals(that.devices)
                && Objects.equals(type, that.type)
                && tags.equals(that.tags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(devices, type, tags);
    }

    @Override
    public String toString() {
        return "DeviceSelector[devices=" + devices + ", type=" + type + ", tags=" + tags + "]";
    }
}
