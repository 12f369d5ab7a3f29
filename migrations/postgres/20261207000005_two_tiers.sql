-- Two tiers (issue 24): the certificates above the issuing CA, nearest
-- first, ending with the root (PEM, concatenated). NULL: the issuing CA is
-- its own root (a CA stored before two tiers, or a one-tier import). The
-- twin is ../sqlite/20261207000005_two_tiers.sql.
ALTER TABLE certificate_authority ADD COLUMN chain_pem TEXT;

-- The demo's HTTPS server certificate (for localhost and the loopback
-- addresses, signed by the demo root when the demo CA is made, the root's
-- key then dropped) and its key, sealed with the published demo
-- passphrase. No root key is ever kept; the schema refuses a server key
-- outside demo mode.
ALTER TABLE certificate_authority ADD COLUMN demo_tls_certificate_pem TEXT;
ALTER TABLE certificate_authority ADD COLUMN demo_tls_sealed_key_pem TEXT;
ALTER TABLE certificate_authority ADD CONSTRAINT demo_tls_only_in_demo
    CHECK (demo_tls_sealed_key_pem IS NULL OR demo = 1);
