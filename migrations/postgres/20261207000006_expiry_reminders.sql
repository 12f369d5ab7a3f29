-- Expiry reminders on the bank's schedule (issue 26): a certificate gets
-- one expiry notice per reminder day (by default 40 and 10 days before its
-- 有効期限), each once across instances and restarts, so the unique key
-- takes the day. Other kinds keep notice_days 0 and their one-per-
-- certificate key. Notices queued before this were the 40-day ones. The
-- SQLite twin is ../sqlite/20261207000006_expiry_reminders.sql.
ALTER TABLE mail_outbox ADD COLUMN notice_days BIGINT NOT NULL DEFAULT 0
    CHECK (notice_days >= 0);
UPDATE mail_outbox SET notice_days = 40 WHERE kind = 'expiry_notice';
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_once_per_certificate;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_once_per_certificate
    UNIQUE (kind, certificate_id, notice_days);
