package io.edgeward.core.device;

/**
 * Which devices a listing returns; every {@code null} criterion matches all.
 *
 * @param text a case-insensitive substring of the device id or name
 * @param edge at a node receiving edges: the devices behind this edge
 */
public record DeviceFilter(DeviceType type, DeviceStatus status, String tag, String model, String text, String edge) {

    public static final DeviceFilter ALL = new DeviceFilter(null, null, null, null, null);

    public DeviceFilter(DeviceType type, DeviceStatus status, String tag, String model, String text) {
        this(type, status, tag, model, text, null);
    }

    public DeviceFilter {
        if (text != null && (text.isBlank() || text.length() > 64)) {
            throw new IllegalArgumentException("q must be 1-64 characters");
        }
        if (tag != null && tag.length() > 64) {
            throw new IllegalArgumentException("tag must be at most 64 characters");
        }
        if (edge != null && !DeviceId.isValid(edge)) {
            throw new IllegalArgumentException("edge must be a device id");
        }
        if (model != null && model.length() > 256) {
            throw new IllegalArgumentException("model must be at most 256 characters");
        }
    }
}
