-- Rules and processing configuration pushed to edges (issue 23). At a node receiving edges, one row
-- per edge: the newest version of what it pushes, and the edge's report of the newest version it
-- applied. At an edge, the row of its own id: what it applied last, as the cloud sent it.
CREATE TABLE sync_edge_configs (
    edge_id         TEXT    PRIMARY KEY,
    version         INTEGER  NOT NULL,
    document        TEXT    NOT NULL,
    author          TEXT    NOT NULL,
    updated_at      INTEGER  NOT NULL,
    applied_version INTEGER,
    applied_status  TEXT,
    applied_at      INTEGER,
    applied_detail  TEXT
);
