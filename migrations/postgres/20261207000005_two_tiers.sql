-- Two tiers (issue 24): the certificates above the issuing CA, nearest
-- first, ending with the root (PEM, concatenated). NULL: the issuing CA is
-- its own root (a CA stored before two tiers, or a one-tier import). The
-- twin is ../sqlite/20261207000005_two_tiers.sql.
ALTER TABLE certificate_authority ADD COLUMN chain_pem TEXT;

-- The demo keeps its root's key (sealed with the published demo
-- passphrase) to give its HTTPS listener a server certificate. A bank's
-- root key never enters the database: the schema refuses it.
ALTER TABLE certificate_authority ADD COLUMN demo_root_sealed_key_pem TEXT;
ALTER TABLE certificate_authority ADD CONSTRAINT demo_root_only_in_demo
    CHECK (demo_root_sealed_key_pem IS NULL OR demo = 1);
