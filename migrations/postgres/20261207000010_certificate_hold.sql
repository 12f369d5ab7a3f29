-- 一時停止 / 再開 (issue 26, SPEC 9.3): RFC 5280's certificateHold, as a
-- mark on a 発行済み certificate. The reasons are in the SQLite twin,
-- ../sqlite/20261207000010_certificate_hold.sql.
ALTER TABLE certificates ADD COLUMN suspended_at TEXT;
ALTER TABLE certificates ADD COLUMN suspended_by TEXT;

CREATE INDEX certificates_held ON certificates (suspended_at)
    WHERE state = 'issued' AND suspended_at IS NOT NULL;

CREATE FUNCTION certificates_hold_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE crl_counter SET revocations = revocations + 1 WHERE id = 1;
    RETURN NEW;
END;
$$;

CREATE TRIGGER certificates_hold_counted AFTER UPDATE OF suspended_at ON certificates
FOR EACH ROW WHEN ((NEW.suspended_at IS NULL) <> (OLD.suspended_at IS NULL))
EXECUTE FUNCTION certificates_hold_counted();
