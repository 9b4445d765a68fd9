-- Raw points keyed by an integer series id instead of (device_id, metric): a WITHOUT ROWID table
-- stores its whole key in every row, and the two names were half of each row (42 B a point in
-- `bench query`). One value column without affinity: a number is stored as a REAL, a boolean as
-- the integer 0 or 1 (which SQLite keeps in the row header alone), a string as TEXT; typeof()
-- tells them apart, and nothing is coerced. The view `telemetry` gives every reader the old shape;
-- the merger, retention and deletion write `points` and `series` directly.
CREATE TABLE series (
    id        INTEGER PRIMARY KEY,
    device_id TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    UNIQUE (device_id, metric)
);

CREATE TABLE points (
    series INTEGER NOT NULL,
    ts     INTEGER NOT NULL,
    v,
    PRIMARY KEY (series, ts)
) WITHOUT ROWID;

INSERT INTO series (device_id, metric)
    SELECT DISTINCT device_id, metric FROM telemetry ORDER BY device_id, metric;
INSERT INTO points (series, ts, v)
    SELECT s.id, t.ts, COALESCE(t.num, t.bool, t.str)
    FROM telemetry t JOIN series s ON s.device_id = t.device_id AND s.metric = t.metric;
-- A unit lives with the series (telemetry_latest); points stored before that kept their own.
UPDATE telemetry_latest SET unit = (
    SELECT t.unit FROM telemetry t
    WHERE t.device_id = telemetry_latest.device_id AND t.metric = telemetry_latest.metric AND t.unit IS NOT NULL
    ORDER BY t.ts DESC LIMIT 1)
WHERE unit IS NULL;
DROP TABLE telemetry;

CREATE VIEW telemetry AS
    SELECT s.device_id AS device_id, s.metric AS metric, p.ts AS ts,
           CASE typeof(p.v) WHEN 'real' THEN p.v END AS num,
           CASE typeof(p.v) WHEN 'integer' THEN p.v END AS bool,
           CASE typeof(p.v) WHEN 'text' THEN p.v END AS str,
           NULL AS unit
    FROM points p JOIN series s ON s.id = p.series;

-- For the main file's own migration of points stored before the series file existed (V4 there).
CREATE TRIGGER telemetry_insert INSTEAD OF INSERT ON telemetry
BEGIN
    INSERT INTO series (device_id, metric) VALUES (NEW.device_id, NEW.metric)
        ON CONFLICT (device_id, metric) DO NOTHING;
    INSERT INTO points (series, ts, v)
        VALUES ((SELECT id FROM series WHERE device_id = NEW.device_id AND metric = NEW.metric), NEW.ts,
                COALESCE(NEW.num, NEW.bool, NEW.str))
        ON CONFLICT (series, ts) DO UPDATE SET v = excluded.v;
END;
