-- Rollup tiers (see Rollups): per series, buckets of a minute, an hour and a day with the count,
-- the numeric count, sum, minimum, maximum and sum of squares, the count of true booleans, and
-- the first and last point with their times. Filled for the points already stored by the next
-- migration, a Java one (RollupBackfill), and kept by the RollupMaintainer from then on.
CREATE TABLE rollup_1m (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    bucket    BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    nn        BIGINT NOT NULL,
    s         DOUBLE PRECISION,
    mn        DOUBLE PRECISION,
    mx        DOUBLE PRECISION,
    sq        DOUBLE PRECISION,
    nt        BIGINT NOT NULL,
    fts       BIGINT NOT NULL,
    fnum      DOUBLE PRECISION,
    fbool     BOOLEAN,
    fstr      TEXT,
    lts       BIGINT NOT NULL,
    lnum      DOUBLE PRECISION,
    lbool     BOOLEAN,
    lstr      TEXT,
    PRIMARY KEY (device_id, metric, bucket)
);
CREATE TABLE rollup_1h (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    bucket    BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    nn        BIGINT NOT NULL,
    s         DOUBLE PRECISION,
    mn        DOUBLE PRECISION,
    mx        DOUBLE PRECISION,
    sq        DOUBLE PRECISION,
    nt        BIGINT NOT NULL,
    fts       BIGINT NOT NULL,
    fnum      DOUBLE PRECISION,
    fbool     BOOLEAN,
    fstr      TEXT,
    lts       BIGINT NOT NULL,
    lnum      DOUBLE PRECISION,
    lbool     BOOLEAN,
    lstr      TEXT,
    PRIMARY KEY (device_id, metric, bucket)
);
CREATE TABLE rollup_1d (
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    bucket    BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    nn        BIGINT NOT NULL,
    s         DOUBLE PRECISION,
    mn        DOUBLE PRECISION,
    mx        DOUBLE PRECISION,
    sq        DOUBLE PRECISION,
    nt        BIGINT NOT NULL,
    fts       BIGINT NOT NULL,
    fnum      DOUBLE PRECISION,
    fbool     BOOLEAN,
    fstr      TEXT,
    lts       BIGINT NOT NULL,
    lnum      DOUBLE PRECISION,
    lbool     BOOLEAN,
    lstr      TEXT,
    PRIMARY KEY (device_id, metric, bucket)
);

-- The minutes each group commit touched, noted in its transaction, until the RollupMaintainer has
-- recomputed them. A plain insert per note (never an update), so a commit never waits on the
-- maintainer's locks.
CREATE TABLE rollup_pending (
    seq       BIGSERIAL PRIMARY KEY,
    device_id TEXT   NOT NULL,
    metric    TEXT   NOT NULL,
    bucket    BIGINT NOT NULL
);
CREATE INDEX rollup_pending_by_minute ON rollup_pending (device_id, metric, bucket);
