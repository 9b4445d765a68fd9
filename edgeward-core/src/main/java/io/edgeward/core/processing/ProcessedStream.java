package io.edgeward.core.processing;

import io.edgeward.core.device.DeviceId;
import io.edgeward.core.telemetry.StreamRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Port: the stored reduced stream (written by the telemetry writer with each group commit, see
 * {@link io.edgeward.core.telemetry.CommitBatch}) and its consumers' cursors.
 */
public interface ProcessedStream {

    /** Records after {@code afterSeq} in stream order, of one device or of all (null). */
    List<StreamRecord> read(long afterSeq, DeviceId device, int limit);

    /** The newest record a source wrote for a series: what a filter passed last. */
    Optional<StreamRecord> last(String source, DeviceId device, String metric);

    /**
     * Brings the index behind {@link #last} up to the newest record, off the group commit (which
     * only appends); {@link #last} is right in between too, only slower the further behind it is.
     */
    void advanceHeads();

    /** The oldest stored position, if any record is stored. */
    OptionalLong oldestSeq();

    /** The newest stored position, 0 when none was ever stored. */
    long newestSeq();

    /** The position just before the first record stored (committed) at or after {@code timestamp}. */
    long seqBefore(long timestamp);

    /** A consumer's cursor: the last position it acknowledged; empty for a consumer never seen. */
    OptionalLong cursor(String consumer);

    void saveCursor(String consumer, long seq);

    /** Every consumer with its cursor. */
    Map<String, Long> cursors();

    /** Deletes up to {@code limit} of the records stored before {@code before}; returns how many. */
    int expire(long before, int limit);

    /** Deletes the device's records (the registry deletes the device). */
    void deleteDevice(DeviceId device);
}
