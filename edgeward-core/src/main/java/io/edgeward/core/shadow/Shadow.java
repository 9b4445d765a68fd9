package io.edgeward.core.shadow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.internal.JsonTrees;
import java.util.Objects;

/**
 * One version of a device's shadow. The trees are never modified after construction; every
 * change makes a new {@code Shadow}.
 *
 * @param version 0 for a device that never had a shadow, then +1 per accepted update
 * @param timestamp epoch seconds of the last update, as in the seed and AWS IoT
 */
public record Shadow(
        DeviceId device,
        ObjectNode desired,
        ObjectNode reported,
        ObjectNode desiredMetadata,
        ObjectNode reportedMetadata,
        long version,
        long timestamp) {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public Shadow {
        Objects.requireNonNull(device, "device");
        desired = desired == null ? NODES.objectNode() : desired;
        reported = reported == null ? NODES.objectNode() : reported;
        desiredMetadata = desiredMetadata == null ? NODES.objectNode() : desiredMetadata;
        reportedMetadata = reportedMetadata == null ? NODES.objectNode() : reportedMetadata;
    }

    public static Shadow empty(DeviceId device) {
        return new Shadow(device, null, null, null, null, 0, 0);
    }

    public ObjectNode delta() {
        return JsonTrees.delta(desired, reported);
    }

    /** {@code {"desired":…,"reported":…}}, the part whose size is limited. */
    public ObjectNode state() {
        ObjectNode state = NODES.objectNode();
        state.set("desired", desired);
        state.set("reported", reported);
        return state;
    }

    /** {@code {"desired":…,"reported":…}} of per-key timestamps. */
    public ObjectNode metadata() {
        ObjectNode metadata = NODES.objectNode();
        metadata.set("desired", desiredMetadata);
        metadata.set("reported", reportedMetadata);
        return metadata;
    }

    public boolean sameStateAs(Shadow other) {
        return JsonTrees.same(desired, other.desired) && JsonTrees.same(reported, other.reported);
    }
}
