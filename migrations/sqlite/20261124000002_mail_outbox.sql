-- E-mails kanri owes its users: the 40-day expiry notice and the revocation
-- notice. One row per (kind, certificate): the unique constraint is what makes
-- "exactly once per certificate" hold across runs, restarts and instances.
-- A sender claims a row (claim_token, claimed_at) before sending and marks it
-- sent after; a claim older than the lease is taken over.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('expiry_notice', 'revocation_notice')),
    certificate_id  INTEGER NOT NULL REFERENCES certificates (id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    claim_token     TEXT,
    claimed_at      TEXT,
    sent_at         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT mail_outbox_once_per_certificate UNIQUE (kind, certificate_id)
) STRICT;

CREATE INDEX mail_outbox_unsent ON mail_outbox (id) WHERE sent_at IS NULL;
