package io.edgeward.core.shadow;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An accepted update, as the transports publish it.
 *
 * @param accepted the AWS-style accepted document: the request's state, its metadata, the new version
 */
public record ShadowUpdate(
        Shadow previous, Shadow current, ObjectNode accepted, String clientToken, ChangedBy changedBy) {

    /** True when the delta is different after this update and not empty: the device has something to do. */
    public boolean deltaChanged() {
        ObjectNode delta = current.delta();
        return !delta.isEmpty() && !delta.equals(previous.delta());
    }
}
