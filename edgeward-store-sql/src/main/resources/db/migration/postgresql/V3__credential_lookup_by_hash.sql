-- CoAP devices authenticate with their secret as an access token in the path (/api/v1/{token}/...):
-- the device is found by the hash of the token, so the hashes need an index.
CREATE INDEX device_credentials_by_hash ON device_credentials (secret_hash);
