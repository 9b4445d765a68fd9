-- The series file (edgeward-telemetry.db), migrated on its own before the main database's pool
-- attaches it as "series". Why a file of its own: see TelemetryLog. IF NOT EXISTS: files made
-- before this history existed had these tables created by every connection; they are baselined
-- below version 1 and this script leaves them as they are.
CREATE TABLE IF NOT EXISTS telemetry (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    num       REAL,
    bool      INTEGER,
    str       TEXT,
    unit      TEXT,
    PRIMARY KEY (device_id, metric, ts)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS telemetry_latest (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    num       REAL,
    bool      INTEGER,
    str       TEXT,
    unit      TEXT,
    PRIMARY KEY (device_id, metric)
) WITHOUT ROWID;

-- How far the merger has copied the main file's telemetry_log: one row.
CREATE TABLE IF NOT EXISTS telemetry_merge (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    merged_seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO telemetry_merge (id, merged_seq) VALUES (1, 0);
