-- The reduced stream of the processing stage (filters' passed points, windows' results), written
-- in the group commit that stores the points behind it. AUTOINCREMENT: a position is never reused,
-- so a consumer's cursor never points at a record that is not the one it acknowledged.
-- `at` is the commit's time: it grows with seq, so its index is only appended to, like the table.
-- No index by series here: one would take a page per series in every group commit (the telemetry
-- log exists to avoid exactly that); stream_heads below serves that lookup instead.
CREATE TABLE processed_stream (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    device_id TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    source    TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    num       REAL,
    bool      INTEGER,
    str       TEXT,
    unit      TEXT
);
CREATE INDEX processed_stream_by_time ON processed_stream (at);

-- The newest record of each (source, device, metric) up to `indexed_seq`, kept in the background
-- once a second: what a filter passed last is found here and among the few records after it.
CREATE TABLE stream_heads (
    source    TEXT    NOT NULL,
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (source, device_id, metric)
);
CREATE TABLE stream_heads_mark (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_seq INTEGER NOT NULL
);
INSERT INTO stream_heads_mark (id, indexed_seq) VALUES (1, 0);

CREATE TABLE stream_cursors (
    consumer   TEXT    PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Every version of the processing configuration (filters, windows), as a document.
CREATE TABLE processing_config (
    version    INTEGER PRIMARY KEY,
    document   TEXT    NOT NULL,
    author     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
