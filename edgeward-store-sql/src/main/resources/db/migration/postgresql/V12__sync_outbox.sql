-- Edge-to-cloud sync (issue 23): the outbox beside the telemetry, appended in the group commit's
-- transaction. One row is one commit's share of a stream (or one event), its records encoded (a
-- RecordList of sync.proto). A sequence never hands a position out twice.
CREATE TABLE sync_outbox (
    seq        BIGSERIAL PRIMARY KEY,
    stream     BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    records    BIGINT  NOT NULL,
    bytes      BIGINT  NOT NULL,
    payload    BYTEA   NOT NULL
);
CREATE INDEX sync_outbox_by_stream ON sync_outbox (stream, seq);

-- Rows the other side refused, kept with the reason.
CREATE TABLE sync_parked (
    seq        BIGINT  PRIMARY KEY,
    stream     BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    records    BIGINT  NOT NULL,
    payload    BYTEA   NOT NULL,
    parked_at  BIGINT  NOT NULL,
    reason     TEXT    NOT NULL
);

-- At a node receiving edges: the newest segment stored of each edge's stream, written in the
-- commit that stores the segment's points.
CREATE TABLE sync_marks (
    edge_id    TEXT    NOT NULL,
    stream     BIGINT  NOT NULL,
    seq        BIGINT  NOT NULL,
    segment_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (edge_id, stream)
);

-- At a node receiving edges: the edge each device behind one is attached to; managed = registered
-- here for that edge (its record and credential go down), not learnt from the edge.
CREATE TABLE sync_devices (
    device_id TEXT    PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    edge_id   TEXT    NOT NULL,
    managed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_devices_by_edge ON sync_devices (edge_id);

-- At a node receiving edges: what they reported that is not telemetry (alarms, evictions), the
-- newest of each edge kept.
CREATE TABLE sync_events (
    id      BIGSERIAL PRIMARY KEY,
    edge_id TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    device  TEXT,
    at      BIGINT  NOT NULL,
    body    TEXT    NOT NULL
);
CREATE INDEX sync_events_by_edge ON sync_events (edge_id, id);

-- At a node receiving edges: devices of an edge deleted here, sent to the edge each time it returns
-- (kept 30 days): a deletion made while it is away is not lost.
CREATE TABLE sync_tombstones (
    edge_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    deleted_at BIGINT  NOT NULL,
    PRIMARY KEY (edge_id, device_id)
);
