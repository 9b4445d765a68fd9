-- Rollouts and their device jobs (issue 22). A rollout's target, wave plan, timeout and
-- maintenance window are fixed when it is made and kept as one JSON document; its state moves.
-- No foreign key to firmware: a finished rollout keeps its history after its release is deleted
-- (the domain refuses to delete a release a rollout that is not over offers).
CREATE TABLE rollouts (
    id           TEXT    PRIMARY KEY,
    name         TEXT,
    firmware_id  TEXT    NOT NULL,
    definition   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    current_wave INTEGER NOT NULL,
    waves        INTEGER NOT NULL,
    reason       TEXT,
    created_by   TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

CREATE INDEX rollouts_by_time ON rollouts (created_at);
CREATE INDEX rollouts_by_firmware ON rollouts (firmware_id, status);

-- One job per device and rollout; a deleted device takes its jobs with it.
CREATE TABLE ota_jobs (
    id           TEXT    PRIMARY KEY,
    rollout_id   TEXT    NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
    device_id    TEXT    NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    wave         INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    progress     INTEGER NOT NULL,
    reason       TEXT,
    from_version TEXT,
    offered_at   BIGINT,
    updated_at   BIGINT  NOT NULL,
    deadline     BIGINT,
    steps        TEXT    NOT NULL,
    UNIQUE (rollout_id, device_id)
);

CREATE INDEX ota_jobs_by_rollout ON ota_jobs (rollout_id, status, device_id);
CREATE INDEX ota_jobs_by_device ON ota_jobs (device_id, updated_at);
-- Only jobs that are offered and not over have a deadline: the clock's scan reads just those.
CREATE INDEX ota_jobs_by_deadline ON ota_jobs (deadline) WHERE deadline IS NOT NULL;
