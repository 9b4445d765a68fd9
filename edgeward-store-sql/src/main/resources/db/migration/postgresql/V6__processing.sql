-- The reduced stream of the processing stage (filters' passed points, windows' results), written
-- in the group commit that stores the points behind it. A sequence: a position is never reused,
-- so a consumer's cursor never points at a record that is not the one it acknowledged.
CREATE TABLE processed_stream (
    seq       BIGSERIAL PRIMARY KEY,
    device_id TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    source    TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        BIGINT  NOT NULL,
    num       DOUBLE PRECISION,
    bool      BOOLEAN,
    str       TEXT,
    unit      TEXT
);
-- What a filter passed last for a series (its state after a restart); a device's records (deletion).
CREATE INDEX processed_stream_by_series ON processed_stream (device_id, metric, source, seq);
-- Seeking a time and expiring old records.
CREATE INDEX processed_stream_by_ts ON processed_stream (ts);

CREATE TABLE stream_cursors (
    consumer   TEXT    PRIMARY KEY,
    seq        BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- Every version of the processing configuration (filters, windows), as a document.
CREATE TABLE processing_config (
    version    BIGINT  PRIMARY KEY,
    document   TEXT    NOT NULL,
    author     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
