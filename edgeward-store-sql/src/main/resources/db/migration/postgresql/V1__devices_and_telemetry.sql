-- Devices: the seed's record.
CREATE TABLE devices (
    device_id        TEXT    PRIMARY KEY,
    name             TEXT,
    type             TEXT    NOT NULL,
    model            TEXT,
    firmware_version TEXT,
    status           TEXT    NOT NULL,
    location         TEXT,
    last_seen        BIGINT,
    registered_at    BIGINT  NOT NULL,
    metadata         TEXT    NOT NULL DEFAULT '{}',
    tags             TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX devices_by_registration ON devices (registered_at DESC, device_id DESC);

CREATE TABLE device_credentials (
    device_id   TEXT   PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    secret_hash TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE telemetry (
    device_id TEXT             NOT NULL,
    metric    TEXT             NOT NULL,
    ts        BIGINT           NOT NULL,
    num       DOUBLE PRECISION,
    bool      BOOLEAN,
    str       TEXT,
    unit      TEXT,
    PRIMARY KEY (device_id, metric, ts)
);

CREATE TABLE telemetry_latest (
    device_id TEXT             NOT NULL,
    metric    TEXT             NOT NULL,
    ts        BIGINT           NOT NULL,
    num       DOUBLE PRECISION,
    bool      BOOLEAN,
    str       TEXT,
    unit      TEXT,
    PRIMARY KEY (device_id, metric)
);
