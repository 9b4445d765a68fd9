-- Tags apart, one row per (device, tag), so that listing by tag uses an index.
CREATE TABLE device_tags (
    device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (tag, device_id)
);
INSERT INTO device_tags (device_id, tag) SELECT d.device_id, t.tag FROM devices d, jsonb_array_elements_text(d.tags::jsonb) AS t (tag);
CREATE INDEX devices_by_type ON devices (type, registered_at DESC);
CREATE INDEX devices_by_status ON devices (status, registered_at DESC);

-- The current shadow of each device; state and metadata are JSON {"desired":…,"reported":…}.
CREATE TABLE shadows (
    device_id  TEXT   PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    state      TEXT   NOT NULL,
    metadata   TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every kept version, with who wrote it.
CREATE TABLE shadow_history (
    device_id    TEXT   NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    version      BIGINT NOT NULL,
    state        TEXT   NOT NULL,
    metadata     TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL,
    changed_by   TEXT   NOT NULL,
    client_token TEXT,
    PRIMARY KEY (device_id, version)
);

-- Commands; ids are time-ordered (UUIDv7), so ORDER BY command_id is the order of acceptance.
CREATE TABLE commands (
    command_id        TEXT   PRIMARY KEY,
    device_id         TEXT   NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    type              TEXT   NOT NULL,
    parameters        TEXT   NOT NULL,
    status            TEXT   NOT NULL,
    message           TEXT,
    idempotency_key   TEXT,
    timeout_ms        BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    sent_at           BIGINT,
    delivered_at      BIGINT,
    completed_at      BIGINT,
    response_deadline BIGINT,
    UNIQUE (device_id, idempotency_key)
);
CREATE INDEX commands_by_device ON commands (device_id, command_id);
CREATE INDEX commands_open ON commands (status, expires_at, response_deadline);
