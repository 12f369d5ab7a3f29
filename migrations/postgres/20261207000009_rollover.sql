-- Rotation of the issuing CA (issue 24, `ca-rollover`): a new issuing CA
-- under the same root takes row 1 of certificate_authority, and the one it
-- replaces moves here. Its certificates keep logging in, renewing and
-- being revoked until they expire, so its key stays (sealed with the same
-- passphrase, or in the same token) to sign its own CRL and responder.
-- Generations number the issuing CAs: 1 is the first (every row stored
-- before this migration). The twin is ../sqlite/20261207000009_rollover.sql.
ALTER TABLE certificate_authority ADD COLUMN generation BIGINT NOT NULL DEFAULT 1
    CHECK (generation > 0);

CREATE TABLE previous_issuing_cas (
    generation       BIGINT PRIMARY KEY CHECK (generation > 0),
    certificate_pem  TEXT NOT NULL,
    sealed_key_pem   TEXT NOT NULL,
    token_key_label  TEXT,
    retired_at       TEXT NOT NULL,
    CONSTRAINT previous_key_sealed_or_in_token
        CHECK ((token_key_label IS NULL) = (sealed_key_pem <> ''))
);

-- Which issuing CA signed each certificate, each CRL and each responder:
-- each issuer has its own CRL and its own OCSP responder certificate.
ALTER TABLE certificates ADD COLUMN issuer_generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE crls ADD COLUMN issuer_generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE ocsp_responders ADD COLUMN issuer_generation BIGINT NOT NULL DEFAULT 1;
