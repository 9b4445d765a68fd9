-- Devices: the seed's record. metadata and tags are JSON text.
CREATE TABLE devices (
    device_id        TEXT    PRIMARY KEY,
    name             TEXT,
    type             TEXT    NOT NULL,
    model            TEXT,
    firmware_version TEXT,
    status           TEXT    NOT NULL,
    location         TEXT,
    last_seen        INTEGER,
    registered_at    INTEGER NOT NULL,
    metadata         TEXT    NOT NULL DEFAULT '{}',
    tags             TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX devices_by_registration ON devices (registered_at DESC, device_id DESC);

-- Credentials apart from the device record, so rotating or revoking them never touches it.
CREATE TABLE device_credentials (
    device_id   TEXT    PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    secret_hash TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One row per (series, time); exactly one of num, bool, str is set.
CREATE TABLE telemetry (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    num       REAL,
    bool      INTEGER,
    str       TEXT,
    unit      TEXT,
    PRIMARY KEY (device_id, metric, ts)
) WITHOUT ROWID;

-- The newest point of every series, maintained in the same transaction as the points.
CREATE TABLE telemetry_latest (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    num       REAL,
    bool      INTEGER,
    str       TEXT,
    unit      TEXT,
    PRIMARY KEY (device_id, metric)
) WITHOUT ROWID;
