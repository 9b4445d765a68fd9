-- When a device's record last changed, wherever it was changed, and the version it was changed on
-- (issue 23): an edge and the node it forwards to tell a later change of a record from one made
-- apart on the same version, and of two such the newer stands and the other is recorded.
ALTER TABLE devices ADD COLUMN updated_at BIGINT;
ALTER TABLE devices ADD COLUMN based_on BIGINT;
UPDATE devices SET updated_at = registered_at;
