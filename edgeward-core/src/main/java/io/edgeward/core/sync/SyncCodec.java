package io.edgeward.core.sync;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.logs.LogEntry;
import io.edgeward.core.logs.LogLevel;
import io.edgeward.core.sync.proto.LogRecord;
import io.edgeward.core.sync.proto.PointRecord;
import io.edgeward.core.sync.proto.Record;
import io.edgeward.core.sync.proto.RecordList;
import io.edgeward.core.sync.proto.Segment;
import io.edgeward.core.sync.proto.SyncBatch;
import io.edgeward.core.sync.proto.SyncFrame;
import io.edgeward.core.telemetry.Point;
import io.edgeward.core.telemetry.StreamRecord;
import io.edgeward.core.telemetry.Value;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The wire form of sync (sync.proto): records into an outbox row's payload, rows into a frame
 * (compressed), and a received frame back into its segments. A frame that does not parse, or
 * whose body inflates past {@link #MAX_INFLATED}, is refused with {@link MalformedFrameException}.
 */
public final class SyncCodec {

    /** The most a frame's body may inflate to: a bound against a compression bomb. */
    public static final int MAX_INFLATED = 64 << 20;

    private SyncCodec() {}

    public static Record point(Point point) {
        return Record.newBuilder().setPoint(pointRecord(point, null)).build();
    }

    public static Record derived(StreamRecord record) {
        return Record.newBuilder()
                .setDerived(pointRecord(record.point(), record.source()))
                .build();
    }

    private static PointRecord pointRecord(Point point, String source) {
        PointRecord.Builder builder = PointRecord.newBuilder()
                .setDevice(point.device().value())
                .setMetric(point.metric())
                .setTsMs(point.timestamp());
        switch (point.value()) {
            case Value.Num num -> builder.setNumber(num.value());
            case Value.Bool bool -> builder.setBoolean(bool.value());
            case Value.Text text -> builder.setText(text.value());
        }
        if (point.unit() != null) {
            builder.setUnit(point.unit());
        }
        if (source != null) {
            builder.setSource(source);
        }
        return builder.build();
    }

    /** A point as the record carries it (a derived record keeps its metric, {@code vibration_1m.mean}). */
    public static Point toPoint(PointRecord record) {
        Value value = switch (record.getValueCase()) {
            case NUMBER -> new Value.Num(record.getNumber());
            case BOOLEAN -> new Value.Bool(record.getBoolean());
            case TEXT -> new Value.Text(record.getText());
            case VALUE_NOT_SET -> throw new IllegalArgumentException("a point without a value");
        };
        return new Point(
                DeviceId.of(record.getDevice()),
                record.getMetric(),
                record.getTsMs(),
                value,
                record.getUnit().isEmpty() ? null : record.getUnit());
    }

    /** Log lines as stored (with their ids), for the low stream: one segment, or none. */
    public static List<OutboxSegment> logs(List<LogEntry> entries) {
        return logs(entries, Priority.LOW);
    }

    /** Log lines as stored (with their ids), for {@code stream}: one segment, or none ({@link Priority#NONE}). */
    public static List<OutboxSegment> logs(List<LogEntry> entries, Priority stream) {
        if (entries.isEmpty() || stream == Priority.NONE) {
            return List.of();
        }
        List<Record> records = new ArrayList<>(entries.size());
        for (LogEntry entry : entries) {
            LogRecord.Builder log = LogRecord.newBuilder()
                    .setId(entry.id())
                    .setDevice(entry.device().value())
                    .setTsMs(entry.ts())
                    .setLevel(entry.level().wireName())
                    .setMessage(entry.message());
            if (entry.fieldsJson() != null) {
                log.setFieldsJson(entry.fieldsJson());
            }
            records.add(Record.newBuilder().setLog(log).build());
        }
        return List.of(segment(stream, records));
    }

    /**
     * @throws IllegalArgumentException for a line with no valid device or level
     */
    public static LogEntry toLog(LogRecord record, String edgeId) {
        return new LogEntry(
                record.getId(),
                DeviceId.of(record.getDevice()),
                record.getTsMs(),
                LogLevel.fromWire(record.getLevel()),
                record.getMessage(),
                record.getFieldsJson().isEmpty() ? null : record.getFieldsJson(),
                edgeId);
    }

    public static OutboxSegment segment(Priority priority, List<Record> records) {
        return new OutboxSegment(
                priority,
                records.size(),
                RecordList.newBuilder().addAllRecords(records).build().toByteArray());
    }

    /** One frame of the stream's rows, compressed. */
    public static byte[] frame(
            String edgeId, Priority stream, List<OutboxEntry> rows, SyncSettings.Compression compression) {
        SyncBatch.Builder batch = SyncBatch.newBuilder();
        for (OutboxEntry row : rows) {
            batch.addSegments(Segment.newBuilder()
                    .setSeq(row.seq())
                    .setCreatedAt(row.createdAt())
                    .setRecords(ByteString.copyFrom(row.payload())));
        }
        return SyncFrame.newBuilder()
                .setEdgeId(edgeId)
                .setStream(stream.wireName())
                .setCompressionValue(compression.ordinal())
                .setBody(ByteString.copyFrom(compress(batch.build().toByteArray(), compression)))
                .setFirstSeq(rows.getFirst().seq())
                .setLastSeq(rows.getLast().seq())
                .build()
                .toByteArray();
    }

    /** A frame as received: who sent it, which stream, and its segments. */
    public record Decoded(
            String edgeId, Priority stream, long firstSeq, long lastSeq, List<ReceivedSegment> segments) {}

    /** A segment as received, its records parsed. */
    public record ReceivedSegment(long seq, long createdAt, List<Record> records) {}

    public static Decoded decode(byte[] bytes) {
        try {
            SyncFrame frame = SyncFrame.parseFrom(bytes);
            Priority stream = Priority.fromWire(frame.getStream());
            if (stream == Priority.NONE) {
                throw new MalformedFrameException("stream 'none' is not a stream");
            }
            SyncSettings.Compression[] compressions = SyncSettings.Compression.values();
            int code = frame.getCompressionValue();
            if (code < 0 || code >= compressions.length) {
                throw new MalformedFrameException("unknown compression " + code);
            }
            SyncBatch batch = SyncBatch.parseFrom(inflate(frame.getBody().toByteArray(), compressions[code]));
            List<ReceivedSegment> segments = new java.util.ArrayList<>(batch.getSegmentsCount());
            long previous = Long.MIN_VALUE;
            for (Segment segment : batch.getSegmentsList()) {
                if (segment.getSeq() <= previous) {
                    throw new MalformedFrameException("segments out of order at seq " + segment.getSeq());
                }
                previous = segment.getSeq();
                segments.add(new ReceivedSegment(
                        segment.getSeq(),
                        segment.getCreatedAt(),
                        RecordList.parseFrom(segment.getRecords()).getRecordsList()));
            }
            if (segments.isEmpty()) {
                throw new MalformedFrameException("a frame without segments");
            }
            return new Decoded(frame.getEdgeId(), stream, frame.getFirstSeq(), frame.getLastSeq(), segments);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedFrameException("not a sync frame: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new MalformedFrameException(e.getMessage());
        }
    }

    static byte[] compress(byte[] body, SyncSettings.Compression compression) {
        if (compression == SyncSettings.Compression.NONE) {
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 4));
        try (OutputStream stream = compressing(out, compression)) {
            stream.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static OutputStream compressing(OutputStream out, SyncSettings.Compression compression) throws IOException {
        return switch (compression) {
            case GZIP -> new GZIPOutputStream(out, 65536);
            case ZSTD -> Zstd.compressing(out);
            case NONE -> out;
        };
    }

    private static byte[] inflate(byte[] body, SyncSettings.Compression compression) {
        if (compression == SyncSettings.Compression.NONE) {
            return body;
        }
        try (InputStream in = switch (compression) {
            case GZIP -> new GZIPInputStream(new ByteArrayInputStream(body));
            case ZSTD -> Zstd.decompressing(new ByteArrayInputStream(body));
            case NONE -> new ByteArrayInputStream(body);
        }) {
            byte[] inflated = in.readNBytes(MAX_INFLATED + 1);
            if (inflated.length > MAX_INFLATED) {
                throw new MalformedFrameException("the body inflates past " + MAX_INFLATED + " bytes");
            }
            return inflated;
        } catch (IOException e) {
            throw new MalformedFrameException("the body does not inflate: " + e.getMessage());
        }
    }

    /** A frame that cannot be read: refused, never retried as it is. */
    public static final class MalformedFrameException extends RuntimeException {
        public MalformedFrameException(String message) {
            super(message);
        }
    }
}
