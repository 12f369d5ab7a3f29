-- 一時停止 / 再開 (issue 26, SPEC 9.3): RFC 5280's certificateHold. A hold
-- is not a state of its own but a mark on a 発行済み certificate: it stays
-- the user's current certificate (one 発行済み per user, as before), is
-- reversible, and 失効 of a held one is the ordinary revocation. While
-- `suspended_at` is set the certificate logs in nowhere and is listed in
-- its issuer's CRL and OCSP as certificateHold. The PostgreSQL twin is
-- ../postgres/20261207000010_certificate_hold.sql.
ALTER TABLE certificates ADD COLUMN suspended_at TEXT;
ALTER TABLE certificates ADD COLUMN suspended_by TEXT;

-- The CRL reads the held certificates afresh each time (they are few and
-- come and go, unlike revocations, which only ever leave by expiry).
CREATE INDEX certificates_held ON certificates (suspended_at)
    WHERE state = 'issued' AND suspended_at IS NOT NULL;

-- A hold and its release make the published CRL stale, exactly as a
-- revocation does: the counter the CRL records moves in the same
-- transaction, whichever code path wrote it.
CREATE TRIGGER certificates_hold_counted AFTER UPDATE OF suspended_at ON certificates
WHEN (NEW.suspended_at IS NULL) <> (OLD.suspended_at IS NULL)
BEGIN
    UPDATE crl_counter SET revocations = revocations + 1 WHERE id = 1;
END;
