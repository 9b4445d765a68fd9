-- Edge-to-cloud sync (issue 23). The outbox lives in the main file, beside the telemetry log, so
-- the group commit appends to both in one transaction. One row is one commit's share of a stream
-- (or one event), its records encoded (a RecordList of sync.proto). AUTOINCREMENT: a position is
-- never handed out twice, even after the newest rows were sent and deleted, since the cloud skips
-- what it has seen by position.
CREATE TABLE sync_outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    stream     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    records    INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    payload    BLOB    NOT NULL
);
CREATE INDEX sync_outbox_by_stream ON sync_outbox (stream, seq);

-- Rows the other side refused, kept with the reason.
CREATE TABLE sync_parked (
    seq        INTEGER PRIMARY KEY,
    stream     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    records    INTEGER NOT NULL,
    payload    BLOB    NOT NULL,
    parked_at  INTEGER NOT NULL,
    reason     TEXT    NOT NULL
);

-- At a node receiving edges: the newest segment stored of each edge's stream, written in the
-- commit that stores the segment's points.
CREATE TABLE sync_marks (
    edge_id    TEXT    NOT NULL,
    stream     INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    segment_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
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
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    edge_id TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    device  TEXT,
    at      INTEGER NOT NULL,
    body    TEXT    NOT NULL
);
CREATE INDEX sync_events_by_edge ON sync_events (edge_id, id);

-- At a node receiving edges: devices of an edge deleted here, sent to the edge each time it returns
-- (kept 30 days): a deletion made while it is away is not lost.
CREATE TABLE sync_tombstones (
    edge_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (edge_id, device_id)
);
