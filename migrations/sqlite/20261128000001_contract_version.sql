-- A version per contract, bumped by every write that changes what its
-- user list shows (a user added, renamed or re-roled; a certificate issued,
-- revoked or replaced), in the writing transaction itself, by triggers, so
-- that no code path can forget it. Each instance keeps the list in memory
-- under the version it was read with; a request that reads a newer version
-- (it comes with the session's own row, no extra read) reads the list again.
ALTER TABLE contracts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER contracts_version_user_insert AFTER INSERT ON users
BEGIN
    UPDATE contracts SET version = version + 1 WHERE id = NEW.contract_id;
END;

CREATE TRIGGER contracts_version_user_update AFTER UPDATE OF login_id, name, role, contract_id ON users
BEGIN
    UPDATE contracts SET version = version + 1 WHERE id IN (OLD.contract_id, NEW.contract_id);
END;

CREATE TRIGGER contracts_version_certificate_insert AFTER INSERT ON certificates
BEGIN
    UPDATE contracts SET version = version + 1
    WHERE id = (SELECT contract_id FROM users WHERE id = NEW.user_id);
END;

CREATE TRIGGER contracts_version_certificate_update AFTER UPDATE ON certificates
BEGIN
    UPDATE contracts SET version = version + 1
    WHERE id = (SELECT contract_id FROM users WHERE id = NEW.user_id);
END;
