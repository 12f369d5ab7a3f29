-- Expiry reminders on the bank's schedule (issue 26): a certificate gets
-- one expiry notice per reminder day (by default 40 and 10 days before its
-- 有効期限), each once across instances and restarts, so the unique key
-- takes the day. Other kinds keep notice_days 0 and their one-per-
-- certificate key. Notices queued before this were the 40-day ones.
-- SQLite cannot change a table's UNIQUE constraint in place: the table is
-- made anew. The PostgreSQL twin is ../postgres/20261207000006_expiry_reminders.sql.
CREATE TABLE mail_outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('expiry_notice', 'revocation_notice', 'event_notice')),
    certificate_id  INTEGER REFERENCES certificates (id),
    notice_days     INTEGER NOT NULL DEFAULT 0 CHECK (notice_days >= 0),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    claim_token     TEXT,
    claimed_at      TEXT,
    sent_at         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    secret          TEXT,
    CONSTRAINT mail_outbox_once_per_certificate UNIQUE (kind, certificate_id, notice_days)
) STRICT;

INSERT INTO mail_outbox_new (id, kind, certificate_id, notice_days, recipient, subject, body, created_at, claim_token, claimed_at, sent_at, attempts, secret)
SELECT id, kind, certificate_id, CASE kind WHEN 'expiry_notice' THEN 40 ELSE 0 END,
       recipient, subject, body, created_at, claim_token, claimed_at, sent_at, attempts, secret
FROM mail_outbox;

DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_unsent ON mail_outbox (id) WHERE sent_at IS NULL;
