-- 発行用コード (SPEC 9.1, issue 22): the second proof that 取得 needs
-- besides the password, granted by the master user or the bank. The
-- PostgreSQL twin is ../postgres/20261207000001_issuance_codes.sql.

-- For a contract without 電子証明書方式 the bank decides whether 取得 needs
-- the second proof too (with 電子証明書方式 it always does).
ALTER TABLE contracts ADD COLUMN issuance_code_required INTEGER NOT NULL DEFAULT 0
    CHECK (issuance_code_required IN (0, 1));

-- Only the code's SHA-256 is kept: the code itself is shown once to whoever
-- granted it and mailed to the user. A code is usable while used_at and
-- voided_at are empty and expires_at is ahead; a new grant or a revocation
-- voids the user's unused codes, so at most one is live per user.
CREATE TABLE issuance_codes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    code_hash   TEXT NOT NULL CHECK (length(code_hash) = 64),
    granted_by  TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    voided_at   TEXT,
    CONSTRAINT issuance_codes_hash_unique UNIQUE (code_hash)
) STRICT;

CREATE INDEX issuance_codes_user ON issuance_codes (user_id) WHERE used_at IS NULL AND voided_at IS NULL;

-- A ワンタイムパスワード counts as 取得's second proof only when it was
-- registered from a session that presented the user's own certificate: one
-- registered with the password alone (on a contract without 電子証明書方式,
-- or before the bank turned it on) may be a password thief's.
ALTER TABLE users ADD COLUMN otp_with_certificate INTEGER NOT NULL DEFAULT 0
    CHECK (otp_with_certificate IN (0, 1));

-- The outbox also carries the notices of events that concern no single
-- certificate's row (a 取得, an OTP registration, a code grant): those are
-- queued in the event's own transaction, once, so they need no unique key.
-- A secret a message carries (a 発行用コード) waits in its own column, put
-- into the body only when the message is sent and cleared once it is: the
-- outbox keeps no usable code. SQLite cannot change a CHECK in place: the
-- table is made anew.
CREATE TABLE mail_outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('expiry_notice', 'revocation_notice', 'event_notice')),
    certificate_id  INTEGER REFERENCES certificates (id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    claim_token     TEXT,
    claimed_at      TEXT,
    sent_at         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    secret          TEXT,
    CONSTRAINT mail_outbox_once_per_certificate UNIQUE (kind, certificate_id)
) STRICT;

INSERT INTO mail_outbox_new (id, kind, certificate_id, recipient, subject, body, created_at, claim_token, claimed_at, sent_at, attempts)
SELECT id, kind, certificate_id, recipient, subject, body, created_at, claim_token, claimed_at, sent_at, attempts
FROM mail_outbox;

DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_unsent ON mail_outbox (id) WHERE sent_at IS NULL;
