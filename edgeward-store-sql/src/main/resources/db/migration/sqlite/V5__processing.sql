-- The reduced stream of the processing stage (filters' passed points, windows' results), written
-- in the group commit that stores the points behind it. AUTOINCREMENT: a position is never reused,
-- so a consumer's cursor never points at a record that is not the one it acknowledged.
CREATE TABLE processed_stream (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
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
-- What a filter passed last for a series (its state after a restart); a device's records (deletion).
CREATE INDEX processed_stream_by_series ON processed_stream (device_id, metric, source, seq);
-- Seeking a time and expiring old records.
CREATE INDEX processed_stream_by_ts ON processed_stream (ts);

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
