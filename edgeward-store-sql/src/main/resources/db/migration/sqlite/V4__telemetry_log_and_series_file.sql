-- Group commits append telemetry to a log in this file; a merger moves it, sorted, into the series
-- table and the latest-value table in the attached file "series" (edgeward-telemetry.db), whose
-- tables every connection creates if missing. Why: see TelemetryLog. Existing points move there
-- once; the copies are idempotent, as a migration spanning two files is atomic per file only.
INSERT OR REPLACE INTO series.telemetry (device_id, metric, ts, num, bool, str, unit)
    SELECT device_id, metric, ts, num, bool, str, unit FROM main.telemetry;
DROP TABLE main.telemetry;
-- The merger keeps the latest values beside the series they come from.
INSERT OR REPLACE INTO series.telemetry_latest (device_id, metric, ts, num, bool, str, unit)
    SELECT device_id, metric, ts, num, bool, str, unit FROM main.telemetry_latest;
DROP TABLE main.telemetry_latest;

-- AUTOINCREMENT: seq never goes back, even when the merger has emptied the log, so the series
-- file's watermark never covers a row it has not copied.
CREATE TABLE telemetry_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    num       REAL,
    bool      INTEGER,
    str       TEXT,
    unit      TEXT
);
