-- Device logs (issue 23): lines devices publish on device/{id}/log, and at an edge the node's own
-- warnings and errors. level: 0 debug, 1 info, 2 warn, 3 error. At a node receiving edges, a line
-- an edge sent carries (edge_id, origin_id), the edge's id for it: stored once however often sent.
CREATE TABLE device_logs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT    NOT NULL,
    ts        INTEGER NOT NULL,
    level     INTEGER NOT NULL,
    message   TEXT    NOT NULL,
    fields    TEXT,
    edge_id   TEXT,
    origin_id INTEGER
);
CREATE INDEX device_logs_by_device ON device_logs (device_id, id);
CREATE INDEX device_logs_by_time ON device_logs (ts);
CREATE UNIQUE INDEX device_logs_by_origin ON device_logs (edge_id, origin_id);
