-- Binary deltas between releases of a model (issue 22): a device running exactly the base image
-- downloads the patch instead of the whole target. The patch file is content-addressed beside the
-- images; a delta goes with its release and with its base.
CREATE TABLE firmware_deltas (
    id           TEXT    PRIMARY KEY,
    firmware_id  TEXT    NOT NULL REFERENCES firmware (id) ON DELETE CASCADE,
    base_id      TEXT    NOT NULL REFERENCES firmware (id) ON DELETE CASCADE,
    base_version TEXT    NOT NULL,
    base_sha256  TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL,
    manifest     TEXT    NOT NULL,
    signature    TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    UNIQUE (firmware_id, base_id)
);

CREATE INDEX firmware_deltas_by_base ON firmware_deltas (base_id);
CREATE INDEX firmware_deltas_by_file ON firmware_deltas (sha256);
