-- kanri becomes the CA of its users' client certificates (SPEC section 7).
-- The PostgreSQL twin is ../postgres/20261125000001_real_certificates.sql.

-- The issuing CA, one row that every instance reads: its certificate, its
-- private key sealed with a passphrase that only the servers know
-- (KANRI_CA_PASSPHRASE), and the O / OU of the client certificates it issues.
CREATE TABLE certificate_authority (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    certificate_pem  TEXT NOT NULL,
    sealed_key_pem   TEXT NOT NULL,
    client_o         TEXT NOT NULL,
    client_ou        TEXT NOT NULL,
    origin           TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
    created_at       TEXT NOT NULL
) STRICT;

-- The certificate itself (DER). NULL marks a record-only row written before
-- kanri issued real certificates: it can be revoked and listed, never used.
ALTER TABLE certificates ADD COLUMN der BLOB;

-- Revocation reasons become RFC 5280 CRLReason names; the free text the
-- operator command used to store ("申込書", "demo") meant "unspecified".
UPDATE certificates SET revocation_reason = 'unspecified'
WHERE state = 'revoked' AND (revocation_reason IS NULL OR revocation_reason NOT IN
    ('unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'));

-- A .p12 made on the server waits here, encrypted with the user's import
-- password, for one download within 10 minutes. Only a hash of the
-- download token is stored.
CREATE TABLE pending_downloads (
    token_hash      TEXT PRIMARY KEY,
    certificate_id  INTEGER NOT NULL REFERENCES certificates (id),
    pkcs12          BLOB NOT NULL,
    expires_at      TEXT NOT NULL
) STRICT;

CREATE INDEX pending_downloads_expires ON pending_downloads (expires_at);

-- ワンタイムパスワード (TOTP): the secret once registered, the last time
-- step used (no replay), and the same failure counter and stop as the
-- passwords.
ALTER TABLE users ADD COLUMN otp_secret TEXT;
ALTER TABLE users ADD COLUMN otp_last_step INTEGER;
ALTER TABLE users ADD COLUMN otp_failures INTEGER NOT NULL DEFAULT 0 CHECK (otp_failures >= 0);
ALTER TABLE users ADD COLUMN otp_stopped INTEGER NOT NULL DEFAULT 0 CHECK (otp_stopped IN (0, 1));
