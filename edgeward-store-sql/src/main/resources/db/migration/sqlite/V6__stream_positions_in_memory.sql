-- The reduced stream without AUTOINCREMENT and without its index by commit time: both cost a page
-- in every group commit that writes records (sqlite_sequence's row, the index's last leaf), besides
-- the table's own last page, and the bench measured that cost on ingest with processing on. The
-- writer assigns positions itself (one writer on SQLite), from the highest position ever handed
-- out, and stamps `at` so that it never decreases along seq: a time is found by a binary search
-- over positions, and expiry deletes a range of positions.

-- The highest position ever handed out, kept when the newest records are deleted (a device's
-- deletion, expiry), so that a position is never reused across a restart. Read before the old
-- table goes: dropping it drops its sqlite_sequence row.
ALTER TABLE stream_heads_mark ADD COLUMN issued_seq INTEGER NOT NULL DEFAULT 0;
UPDATE stream_heads_mark SET issued_seq = COALESCE(
    (SELECT seq FROM sqlite_sequence WHERE name = 'processed_stream'), 0);

CREATE TABLE processed_stream_v6 (
    seq       INTEGER PRIMARY KEY,
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
INSERT INTO processed_stream_v6 (seq, at, device_id, kind, source, metric, ts, num, bool, str, unit)
    SELECT seq, at, device_id, kind, source, metric, ts, num, bool, str, unit FROM processed_stream ORDER BY seq;
DROP TABLE processed_stream;
ALTER TABLE processed_stream_v6 RENAME TO processed_stream;
