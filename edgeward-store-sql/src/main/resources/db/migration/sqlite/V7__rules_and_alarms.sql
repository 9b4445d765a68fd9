-- Rules (issue 21): the document in force, every version (a deletion is a version without a
-- document), each rule and device's state, alarms with their history, and the action jobs a firing
-- leaves to run. A firing's state, alarm change and jobs are written in one transaction.
CREATE TABLE rules (
    id         TEXT    PRIMARY KEY,
    document   TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    author     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE rule_versions (
    rule_id    TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    document   TEXT,
    author     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, version)
);

CREATE TABLE rule_states (
    rule_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, device_id)
);

CREATE TABLE alarms (
    id              TEXT    PRIMARY KEY,
    rule_id         TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    cleared         INTEGER NOT NULL DEFAULT 0,
    acknowledged    INTEGER NOT NULL DEFAULT 0,
    message         TEXT,
    count           INTEGER NOT NULL,
    firing_id       TEXT    NOT NULL,
    last_num        REAL,
    last_bool       INTEGER,
    last_str        TEXT,
    last_time       INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    cleared_at      INTEGER,
    cleared_by      TEXT
);
-- One open alarm per rule and device: the store refuses a second, whatever the engine does.
CREATE UNIQUE INDEX alarms_open ON alarms (rule_id, device_id) WHERE NOT cleared;
CREATE INDEX alarms_newest ON alarms (created_at, id);
CREATE INDEX alarms_by_device ON alarms (device_id, created_at);

CREATE TABLE alarm_events (
    alarm_id TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    actor    TEXT,
    comment  TEXT
);
CREATE INDEX alarm_events_by_alarm ON alarm_events (alarm_id, at);

-- Done and failed jobs stay a day: a firing recorded again after a crash finds its jobs here and
-- adds none twice.
CREATE TABLE rule_actions (
    id          TEXT    PRIMARY KEY,
    rule_id     TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    firing_id   TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    context     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER NOT NULL,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX rule_actions_due ON rule_actions (due_at) WHERE status = 'pending';
CREATE INDEX rule_actions_finished ON rule_actions (finished_at) WHERE status <> 'pending';
