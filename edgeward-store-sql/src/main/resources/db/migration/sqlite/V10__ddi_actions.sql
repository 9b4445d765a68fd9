-- hawkBit DDI names a device's job by a number (its action id; SWUpdate reads it as an int), given
-- when the device first sees the job, and tracks whether the device acknowledged a cancel.
ALTER TABLE ota_jobs ADD COLUMN action_id BIGINT;
ALTER TABLE ota_jobs ADD COLUMN cancel_acknowledged INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX ota_jobs_by_action ON ota_jobs (action_id);
