-- The firmware repository (issue 22): one row per release; images are files under the data
-- directory, content-addressed by SHA-256, so two releases may share one. A model's versions are
-- unique: a released version never changes.
CREATE TABLE firmware (
    id               TEXT    PRIMARY KEY,
    model            TEXT    NOT NULL,
    version          TEXT    NOT NULL,
    min_version      TEXT,
    filename         TEXT    NOT NULL,
    size             BIGINT  NOT NULL,
    sha256           TEXT    NOT NULL,
    release_notes    TEXT,
    metadata         TEXT    NOT NULL,
    vendor_signature TEXT,
    manifest         TEXT    NOT NULL,
    signature        TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    UNIQUE (model, version)
);

CREATE INDEX firmware_by_image ON firmware (sha256);
CREATE INDEX firmware_by_time ON firmware (created_at);
